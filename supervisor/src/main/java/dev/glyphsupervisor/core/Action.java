package dev.glyphsupervisor.core;

import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** What the daemon must do, in order. The state machine decides; adapters at the edges act. */
public sealed interface Action {

    /** Write an audit record (before the actions that follow it in the same list). */
    record Audit(AuditEvent event, long generation, Map<String, Object> fields) implements Action {
        public Audit {
            fields = Collections.unmodifiableMap(new LinkedHashMap<>(fields));
            assert event.undeclared(fields.keySet()).isEmpty()
                    : event + " does not declare " + event.undeclared(fields.keySet());
        }
    }

    /**
     * A restart was decided at {@code at}, for {@code reason}: write {@link #audit()} and count it (the machine's
     * {@link SupervisorStateMachine#restartHistory()} already holds it; the daemon persists and publishes that).
     * {@code fields}: the whole record, {@code reason} included, in the order written.
     */
    record RestartDecided(long generation, String reason, Instant at, Map<String, Object> fields) implements Action {
        public RestartDecided {
            fields = Collections.unmodifiableMap(new LinkedHashMap<>(fields));
        }

        /** The record this decision is written as. */
        public Audit audit() {
            return new Audit(AuditEvent.RESTART_DECIDED, generation, fields);
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
