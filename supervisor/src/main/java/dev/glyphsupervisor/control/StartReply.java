package dev.glyphsupervisor.control;

/** The answer to {@code start}: the state before ({@code was}), the state after, and the generation after. */
public record StartReply(String was, String state, long generation) implements ControlReply {
}
