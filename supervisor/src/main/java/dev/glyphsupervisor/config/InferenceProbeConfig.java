package dev.glyphsupervisor.config;

import dev.glyphsupervisor.probes.inference.InferenceRequest;

import java.util.Objects;

/**
 * The inference probe: one real request on its own schedule (it costs more than a liveness check), skipped when the
 * progress probe shows the server did real work since the last one.
 *
 * @param request          what is sent and what the answer must be
 * @param schedule         when it runs
 * @param failureThreshold failures in a row that restart the server
 * @param restartOnSlow    whether an answer slower than the request's slow_after counts as a failure (else it is
 *                         reported only)
 */
public record InferenceProbeConfig(InferenceRequest request, ProbeSchedule schedule, int failureThreshold,
                                   boolean restartOnSlow) {

    /** Every minute: a real request is not free, and progress covers the busy times. */
    public static final String DEFAULT_SCHEDULE = "60s";
    public static final int DEFAULT_FAILURE_THRESHOLD = 3;

    public InferenceProbeConfig {
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(schedule, "schedule");
        if (failureThreshold < 1) {
            throw new IllegalArgumentException("failureThreshold must be at least 1, got " + failureThreshold);
        }
    }
}
