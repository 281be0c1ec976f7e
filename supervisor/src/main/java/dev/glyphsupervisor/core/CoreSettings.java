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
        Duration crashLoopWindow) {

    /** Fraction of a backoff delay taken off at random, so that many supervisors do not retry in step. */
    public static final double JITTER = 0.2;
}
