package dev.glyphsupervisor.control;

import java.util.List;

/**
 * The answer to {@code stop}: the state once paused (or when the wait ended), who paused it (null if nobody), and the
 * servers that require it, stopped first (they wait for it to be started again).
 */
public record StopReply(String state, String pausedBy, List<String> dependents) implements ControlReply {

    public StopReply {
        dependents = List.copyOf(dependents);
    }

    public StopReply(String state, String pausedBy) {
        this(state, pausedBy, List.of());
    }
}
