package dev.glyphsupervisor.control;

/** The answer to {@code restart}: asked for only (without waiting), or how the wait for a healthy generation ended. */
public sealed interface RestartReply extends ControlReply permits RestartReply.Requested, RestartReply.Finished {

    /** {@code {"requested":true}}: the restart was asked for; the caller did not wait. */
    record Requested() implements RestartReply {
    }

    /**
     * The wait's end: whether a later generation is {@code healthy}, the state, generation and pid (null when no
     * process) then, and how long it took.
     */
    record Finished(boolean healthy, String state, long generation, Long pid, long tookMs) implements RestartReply {
    }
}
