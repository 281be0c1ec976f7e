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
 * @param gpu              GPU memory limits and release checks (NVML), when configured
 * @param host             host memory limits (tree RSS, MemAvailable), when configured
 * @param progress         the progress probe (the server's own metrics, judged for a hung engine), when configured
 * @param inference        the inference probe (one real request on its own schedule), when configured
 * @param trendWindow      how much memory history the growth rate is fitted over
 * @param earlyRestart     restart as soon as a limit is projected to be hit within this, when set
 */
public record ProbesConfig(ProbeSchedule schedule, int failureThreshold, Duration startupInterval, Duration tcpTimeout,
        Optional<HttpProbeConfig> http, Optional<GpuProbeConfig> gpu, Optional<HostProbeConfig> host,
        Optional<ProgressProbeConfig> progress, Optional<InferenceProbeConfig> inference,
        Duration trendWindow, Optional<Duration> earlyRestart) {

    /** A Quartz cron: every minute, at second 0. */
    public static final String DEFAULT_SCHEDULE = "0 * * * * ?";
    public static final int DEFAULT_FAILURE_THRESHOLD = 2;
    public static final Duration DEFAULT_STARTUP_INTERVAL = Duration.ofSeconds(2);
    public static final Duration DEFAULT_TCP_TIMEOUT = Duration.ofSeconds(2);
    public static final Duration DEFAULT_TREND_WINDOW = Duration.ofMinutes(30);

    public ProbesConfig {
        Objects.requireNonNull(schedule, "schedule");
        Objects.requireNonNull(startupInterval, "startupInterval");
        Objects.requireNonNull(tcpTimeout, "tcpTimeout");
        Objects.requireNonNull(http, "http");
        Objects.requireNonNull(gpu, "gpu");
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(progress, "progress");
        Objects.requireNonNull(inference, "inference");
        Objects.requireNonNull(trendWindow, "trendWindow");
        Objects.requireNonNull(earlyRestart, "earlyRestart");
    }
}
