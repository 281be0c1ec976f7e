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
        Duration maintenanceSkipWithin,
        FailureCauses causes,
        int hopelessAfter,
        int inferenceFailureThreshold,
        boolean restartOnSlowInference) {

    /** Inference probe failures in a row that restart the server, when no threshold is configured. */
    public static final int DEFAULT_INFERENCE_FAILURE_THRESHOLD = 3;

    /**
     * {@code causes} names why a launch failed; {@code hopelessAfter} identical failures in a row before a first
     * healthy answer, of a cause that no retry can fix, make the server FAILED (with the slow retry) at once.
     * {@code inferenceFailureThreshold} inference probe failures in a row restart the server; a slow answer counts as
     * one only with {@code restartOnSlowInference}.
     */
    public CoreSettings {
        java.util.Objects.requireNonNull(causes, "causes");
        if (inferenceFailureThreshold < 1) {
            throw new IllegalArgumentException("inferenceFailureThreshold must be at least 1, got " + inferenceFailureThreshold);
        }
    }

    /** Without an inference probe's settings: the defaults. */
    public CoreSettings(Duration startupTimeout, int failureThreshold, Duration backoffInitial, Duration backoffMax,
                        Duration backoffReset, int crashLoopMaxRestarts, Duration crashLoopWindow,
                        Duration maintenanceSkipWithin, FailureCauses causes, int hopelessAfter) {
        this(startupTimeout, failureThreshold, backoffInitial, backoffMax, backoffReset, crashLoopMaxRestarts,
                crashLoopWindow, maintenanceSkipWithin, causes, hopelessAfter, DEFAULT_INFERENCE_FAILURE_THRESHOLD, false);
    }

    /** With the built-in cause table and FAILED after 2 identical hopeless failures. */
    public CoreSettings(Duration startupTimeout, int failureThreshold, Duration backoffInitial, Duration backoffMax,
                        Duration backoffReset, int crashLoopMaxRestarts, Duration crashLoopWindow,
                        Duration maintenanceSkipWithin) {
        this(startupTimeout, failureThreshold, backoffInitial, backoffMax, backoffReset, crashLoopMaxRestarts,
                crashLoopWindow, maintenanceSkipWithin, FailureCauses.DEFAULT, 2);
    }

    /** Without a maintenance schedule's skip period (a planned restart is skipped after a restart this recent). */
    public CoreSettings(Duration startupTimeout, int failureThreshold, Duration backoffInitial, Duration backoffMax,
                        Duration backoffReset, int crashLoopMaxRestarts, Duration crashLoopWindow) {
        this(startupTimeout, failureThreshold, backoffInitial, backoffMax, backoffReset, crashLoopMaxRestarts,
                crashLoopWindow, Duration.ofHours(1));
    }

    /** Fraction of a backoff delay taken off at random, so that many supervisors do not retry in step. */
    public static final double JITTER = 0.2;
}
