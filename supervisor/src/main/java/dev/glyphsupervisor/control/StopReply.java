package dev.glyphsupervisor.control;

/** The answer to {@code stop}: the state once paused (or when the wait ended), and who paused it (null if nobody). */
public record StopReply(String state, String pausedBy) implements ControlReply {
}
