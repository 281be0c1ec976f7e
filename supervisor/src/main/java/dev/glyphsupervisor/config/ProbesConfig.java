package dev.glyphsupervisor.config;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Health checking.
 *
 * @param failureThreshold FAILURE results in a row that make the server unhealthy
 * @param startupInterval  how often readiness is polled while the server is STARTING
 * @param tcpTimeout       connect timeout of the TCP port probe
 * @param http             the HTTP health probe, when configured
 */
public record ProbesConfig(ProbeSchedule schedule, int failureThreshold, Duration startupInterval, Duration tcpTimeout,
        Optional<HttpProbeConfig> http) {

    public ProbesConfig {
        Objects.requireNonNull(schedule, "schedule");
        Objects.requireNonNull(startupInterval, "startupInterval");
        Objects.requireNonNull(tcpTimeout, "tcpTimeout");
        Objects.requireNonNull(http, "http");
    }
}
