package dev.glyphsupervisor.core;

import java.util.List;

/**
 * What the supervisor does to the server, seen from the core. The adapter records the facts it
 * observes (pid, what a stop killed, what caches it removed) in the audit log itself.
 */
public interface RuntimeControl {

    /** Launches generation {@code generation}; {@code listener} hears what becomes of it. */
    long launch(long generation, Listener listener) throws LaunchRefusedException;

    /** Stops the whole tree of {@code generation} and checks that what it held is released. */
    StopOutcome stop(long generation, String reason);

    /** Clears the configured caches before the next launch. */
    void clearCaches(long generation);

    /**
     * What generation {@code generation} wrote to its log (the last lines, bounded) and the kernel's record of an OOM
     * kill since its launch, for the cause of a failure; called off the event loop, at an exit, a startup timeout and
     * after a stop. Never fails: what cannot be read is left out.
     */
    default OutputTail outputTail(long generation) {
        return OutputTail.NONE;
    }

    /** What becomes of a launch, told on the adapter's threads: implementations only post events. */
    interface Listener {
        /** See {@link Event.Exited}. */
        void exited(int exitCode);

        /** See {@link Event.Forked}. */
        void forked(long exitedPid, long mainPid, List<Long> survivors, boolean holdsPort);
    }

    /** The result of a stop: {@code released} is false when the tree or the port did not come free. */
    record StopOutcome(boolean released, String detail) {
    }

    /** A launch that did not happen, with a machine-readable reason and a readable detail. */
    final class LaunchRefusedException extends Exception {
        private static final long serialVersionUID = 1L;
        private final String reason;

        public LaunchRefusedException(String reason, String detail) {
            super(detail);
            this.reason = reason;
        }

        public String reason() {
            return reason;
        }
    }
}
