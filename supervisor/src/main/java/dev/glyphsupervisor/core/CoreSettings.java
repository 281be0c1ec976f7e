package dev.glyphsupervisor.core;

import java.time.Duration;

/** The few numbers the state machine needs, so that it does not depend on how the config is read. */
public record CoreSettings(
        Duration startupTimeout,
        int failureThreshold,
        Duration backoffInitial,
        Duration backoffMax,
        Duration backoffReset,
        int crashLoopMaxRestarts,
        Duration crashLoopWindow,
        Duration maintenanceSkipWithin) {

    /** Without a maintenance schedule's skip period (a planned restart is skipped after a restart this recent). */
    public CoreSettings(Duration startupTimeout, int failureThreshold, Duration backoffInitial, Duration backoffMax,
                        Duration backoffReset, int crashLoopMaxRestarts, Duration crashLoopWindow) {
        this(startupTimeout, failureThreshold, backoffInitial, backoffMax, backoffReset, crashLoopMaxRestarts,
                crashLoopWindow, Duration.ofHours(1));
    }

    /** Fraction of a backoff delay taken off at random, so that many supervisors do not retry in step. */
    public static final double JITTER = 0.2;
}
