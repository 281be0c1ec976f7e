package dev.glyphsupervisor.core;

import java.time.Instant;
import java.util.Map;

/** What the daemon must do, in order. The state machine decides; adapters at the edges act. */
public sealed interface Action {

    /** Write an audit record (before the actions that follow it in the same list). */
    record Audit(String event, long generation, Map<String, Object> fields) implements Action {
        public Audit {
            fields = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(fields));
        }
    }

    /** Launch the server as {@code generation}; the outcome comes back as Launched or LaunchFailed. */
    record Launch(long generation) implements Action {
    }

    /** Stop the process tree of {@code generation} (TERM, grace, KILL, release checks); answered by Stopped. */
    record Stop(long generation, String reason) implements Action {
    }

    /** Clear the configured caches (between a stop and the next launch). */
    record ClearCaches(long generation) implements Action {
    }

    /** Deliver {@code event} at {@code at}. */
    record Schedule(Instant at, Event event) implements Action {
    }

    /** A launch failed before its first healthy answer, for {@code cause} (a {@link FailureCauses} name): count it. */
    record StartFailed(long generation, String cause) implements Action {
    }

    /** Everything is stopped: the daemon may exit. */
    record Exit() implements Action {
    }
}
