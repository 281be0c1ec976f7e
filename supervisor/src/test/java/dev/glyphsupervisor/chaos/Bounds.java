package dev.glyphsupervisor.chaos;

/**
 * How soon each fault must be detected and healed, derived from the lane's config. Death is noticed at
 * once (exit callback); a hang, a 500 or a slow answer takes failure_threshold probe cycles plus the
 * probe's timeout, and one more cycle for where in the schedule the fault fell; a memory breach one
 * cycle. Recovery is bounded by what the daemon may spend: stop grace, kill and release timeouts, the
 * longest backoff, and the startup timeout. {@code slackMs} covers a loaded machine's scheduling delay
 * (the soak shares 2 cores with the servers it kills and restarts).
 *
 * <p>The inference lane's kinds (issue 16) derive from its progress and inference probes: a hung engine is
 * restarted within {@code stallAfterMs} plus two liveness cycles (one for where in the schedule the hang fell,
 * one for the reading that first sees the clock past stall_after); inference errors within
 * {@code inferenceThreshold} + 2 inference periods (the first due after the fault may be skipped, the server
 * having done real work since the previous one, and one for where in the schedule it fell); a slow answer is
 * reported within two inference periods plus the probe's timeout (the answer itself).
 */
record Bounds(long intervalMs, int threshold, long httpTimeoutMs, long stopGraceMs, long killTimeoutMs,
              long releaseTimeoutMs, long backoffMaxMs, long startupTimeoutMs, long slackMs, long stallAfterMs,
              long inferenceIntervalMs, int inferenceThreshold, long inferenceTimeoutMs, long slowAfterMs) {

    /** A CLI call: a JVM start plus a round trip on the control socket. */
    static final long CLI_MS = 10_000;
    /** A new daemon JVM started after the old one was SIGKILLed, up to its first audit record. */
    static final long DAEMON_START_MS = 15_000;

    /** A lane without progress or inference probes. */
    Bounds(long intervalMs, int threshold, long httpTimeoutMs, long stopGraceMs, long killTimeoutMs,
           long releaseTimeoutMs, long backoffMaxMs, long startupTimeoutMs, long slackMs) {
        this(intervalMs, threshold, httpTimeoutMs, stopGraceMs, killTimeoutMs, releaseTimeoutMs, backoffMaxMs,
                startupTimeoutMs, slackMs, -1, -1, -1, -1, -1);
    }

    long detectionMs(FaultKind kind) {
        return switch (kind) {
            case SERVER_SIGKILL, PARENT_SIGKILL -> slackMs;
            case GROUP_SIGSTOP, HEALTH_500, HEALTH_SLOW -> (threshold + 1L) * intervalMs + httpTimeoutMs + slackMs;
            case HOST_MEMORY -> 2 * intervalMs + slackMs;
            // the killed server's exit, an immediate relaunch, and the relaunched runtime failing on its cache
            case CACHE_UNWRITABLE -> slackMs + backoffMaxMs + CLI_MS;
            case PORT_GRAB, OPERATOR_CONCURRENT -> CLI_MS + slackMs;
            case DAEMON_SIGKILL -> DAEMON_START_MS + slackMs;
            case ENGINE_HANG -> stallAfterMs + 2 * intervalMs + slackMs;
            case INFERENCE_ERRORS -> (inferenceThreshold + 2L) * inferenceIntervalMs + slackMs;
            case SLOW_ANSWERS -> 2 * inferenceIntervalMs + inferenceTimeoutMs + slackMs;
        };
    }

    long recoveryMs(FaultKind kind) {
        if (kind == FaultKind.SLOW_ANSWERS) {
            // no restart: from the clear to a fast answer again
            return inferenceTimeoutMs + slackMs;
        }
        return detectionMs(kind) + stopGraceMs + killTimeoutMs + releaseTimeoutMs + backoffMaxMs + startupTimeoutMs;
    }
}
