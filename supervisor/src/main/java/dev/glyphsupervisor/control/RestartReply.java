package dev.glyphsupervisor.control;

import java.util.Map;

/** The answer to {@code restart}: asked for only (without waiting), or how the wait for a healthy generation ended. */
public sealed interface RestartReply extends ControlReply permits RestartReply.Requested, RestartReply.Finished {

    /** {@code {"requested":true}}: the restart was asked for; the caller did not wait. */
    record Requested() implements RestartReply {
    }

    /**
     * The wait's end: whether a later generation is {@code healthy}, the state, generation and pid (null when no
     * process) then, and how long it took; {@code dependents}: the servers that require it, stopped before it and
     * started again after it, with the state each had when the wait ended (healthy only if all are RUNNING).
     */
    record Finished(boolean healthy, String state, long generation, Long pid, long tookMs, Map<String, String> dependents)
            implements RestartReply {
        public Finished {
            dependents = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(dependents));
        }

        public Finished(boolean healthy, String state, long generation, Long pid, long tookMs) {
            this(healthy, state, generation, pid, tookMs, Map.of());
        }
    }
}
