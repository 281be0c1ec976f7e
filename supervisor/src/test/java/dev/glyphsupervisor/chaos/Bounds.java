package dev.glyphsupervisor.chaos;

/**
 * How soon each fault must be detected and healed, derived from the lane's config. Death is noticed at
 * once (exit callback); a hang, a 500 or a slow answer takes failure_threshold probe cycles plus the
 * probe's timeout, and one more cycle for where in the schedule the fault fell; a memory breach one
 * cycle. Recovery is bounded by what the daemon may spend: stop grace, kill and release timeouts, the
 * longest backoff, and the startup timeout. {@code slackMs} covers a loaded machine's scheduling delay
 * (the soak shares 2 cores with the servers it kills and restarts).
 */
record Bounds(long intervalMs, int threshold, long httpTimeoutMs, long stopGraceMs, long killTimeoutMs,
              long releaseTimeoutMs, long backoffMaxMs, long startupTimeoutMs, long slackMs) {

    /** A CLI call: a JVM start plus a round trip on the control socket. */
    static final long CLI_MS = 10_000;
    /** A new daemon JVM started after the old one was SIGKILLed, up to its first audit record. */
    static final long DAEMON_START_MS = 15_000;

    long detectionMs(FaultKind kind) {
        return switch (kind) {
            case SERVER_SIGKILL, PARENT_SIGKILL -> slackMs;
            case GROUP_SIGSTOP, HEALTH_500, HEALTH_SLOW -> (threshold + 1L) * intervalMs + httpTimeoutMs + slackMs;
            case HOST_MEMORY -> 2 * intervalMs + slackMs;
            // the killed server's exit, an immediate relaunch, and the relaunched runtime failing on its cache
            case CACHE_UNWRITABLE -> slackMs + backoffMaxMs + CLI_MS;
            case PORT_GRAB, OPERATOR_CONCURRENT -> CLI_MS + slackMs;
            case DAEMON_SIGKILL -> DAEMON_START_MS + slackMs;
        };
    }

    long recoveryMs(FaultKind kind) {
        return detectionMs(kind) + stopGraceMs + killTimeoutMs + releaseTimeoutMs + backoffMaxMs + startupTimeoutMs;
    }
}
