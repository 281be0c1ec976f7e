package dev.glyphsupervisor.metrics;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.function.DoubleSupplier;

/**
 * The supervisor's Prometheus metrics: the daemon reports what happened through the small methods below,
 * and {@link #serve} exposes them at {@code /metrics}. Every method is safe to call from any thread.
 *
 * <p>Values that describe "now" (state, memory, projection, uptime) are held as plain fields and turned
 * into samples when scraped, so a scrape sees one consistent reading: never two states at 1, never half of
 * the devices of one reading. A value the daemon does not know (negative memory, NaN projection) is left
 * out of the scrape rather than exported as a number that looks real.
 *
 * <p>It has its own registry, not the library's default one, so that two instances (tests, or a daemon
 * restarted inside one JVM) never share or clash over a metric.
 */
public final class SupervisorMetrics implements MetricsSink {

    /** The supervisor's states, each exported (0 or 1) so that an alert on {@code state="FAILED"} always has a series. */
    static final List<String> STATES = List.of("STOPPED", "STARTING", "RUNNING", "DEGRADED", "STOPPING", "BACKOFF",
            "FAILED", "PAUSED", "WAITING");

    /**
     * The documented restart reasons, exported at 0 from the start: a series that first appears at its first
     * restart loses that restart to {@code increase()}, and a crash-loop alert would count one short.
     */
    static final List<String> RESTART_REASONS = List.of("exited", "unhealthy", "startup_timeout",
            "gpu_memory", "host_memory", "operator", "maintenance");

    /** From a process-alive check (microseconds) up to an HTTP health timeout (seconds). */
    private static final double[] PROBE_SECONDS_BUCKETS = {0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
            10, 30};

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final Clock clock;
    private final Counter restarts;
    private final Counter probeResults;
    private final Counter probeCycles;
    private final Counter startFailures;
    private final Histogram probeDuration;

    private volatile String state = "STOPPED";
    private volatile Instant lastRestart;
    private volatile Instant launchedAt;
    private volatile MemoryReading memory = new MemoryReading(-1, List.of(), -1);
    private volatile double growthBytesPerHour = Double.NaN;
    private volatile double secondsToLimit = Double.NaN;

    private record MemoryReading(long treeGpuBytes, List<DeviceMemory> devices, long treeRssBytes) {
    }

    /** @param clock what uptime is measured against (the daemon's clock, so tests can move it) */
    public SupervisorMetrics(Clock clock) {
        this(clock, List.of());
    }

    /**
     * @param causes the start-failure causes the daemon can name (built-in and configured), exported at 0 from the
     *               start, as the restart reasons are
     */
    public SupervisorMetrics(Clock clock, List<String> causes) {
        this.clock = Objects.requireNonNull(clock, "clock");
        GaugeWithCallback.builder()
                .name("glyph_supervisor_state")
                .help("1 for the supervisor's current state, 0 for every other state")
                .labelNames("state")
                .callback(callback -> {
                    String current = state;
                    STATES.forEach(each -> callback.call(each.equals(current) ? 1 : 0, each));
                    // A state added to the daemon before it is added here is still shown, not lost.
                    if (!STATES.contains(current)) {
                        callback.call(1, current);
                    }
                })
                .register(registry);
        restarts = Counter.builder()
                .name("glyph_supervisor_restarts_total")
                .help("Restarts of the supervised server, by the reason the supervisor decided on")
                .labelNames("reason")
                .register(registry);
        RESTART_REASONS.forEach(restarts::initLabelValues);
        GaugeWithCallback.builder()
                .name("glyph_supervisor_last_restart_timestamp_seconds")
                .help("When the last restart was decided, in seconds since the epoch; absent before the first one")
                .callback(callback -> {
                    Instant at = lastRestart;
                    if (at != null) {
                        callback.call(epochSeconds(at));
                    }
                })
                .register(registry);
        probeResults = Counter.builder()
                .name("glyph_supervisor_probe_results_total")
                .help("Probe results, by probe and status (SUCCESS, FAILURE, UNKNOWN)")
                .labelNames("probe", "status")
                .register(registry);
        probeCycles = Counter.builder()
                .name("glyph_supervisor_probe_cycles_total")
                .help("Probe cycles run, by phase: startup (readiness polls of a starting server) or liveness"
                        + " (the schedule's checks of a running one)")
                .labelNames("phase")
                .register(registry);
        probeCycles.initLabelValues("startup");
        probeCycles.initLabelValues("liveness");
        startFailures = Counter.builder()
                .name("glyph_supervisor_start_failures_total")
                .help("Launches that failed before their first healthy answer (an exit or the startup timeout), by the"
                        + " cause read from their last output lines and exit status")
                .labelNames("cause")
                .register(registry);
        causes.forEach(startFailures::initLabelValues);
        probeDuration = Histogram.builder()
                .name("glyph_supervisor_probe_duration_seconds")
                .help("How long each probe took, whatever its result")
                .labelNames("probe")
                .classicOnly()
                .classicUpperBounds(PROBE_SECONDS_BUCKETS)
                .register(registry);
        registerMemoryGauges();
        gauge("glyph_supervisor_tree_gpu_memory_growth_bytes_per_hour",
                "Growth of the server tree's GPU memory fitted over the trend window, bytes per hour; absent when unknown",
                () -> growthBytesPerHour);
        gauge("glyph_supervisor_tree_gpu_memory_seconds_to_limit",
                "Projected seconds until the tree's GPU memory reaches its limit (+Inf when not growing); absent when unknown",
                () -> secondsToLimit);
        gauge("glyph_supervisor_runtime_uptime_seconds",
                "Seconds since the current server process was launched; 0 when none is running",
                this::uptimeSeconds);
    }

    @Override
    public void state(String state) {
        this.state = Objects.requireNonNull(state, "state");
    }

    @Override
    public void restart(String reason, Instant at) {
        restarts.labelValues(reason).inc();
        lastRestart = Objects.requireNonNull(at, "at");
    }

    @Override
    public void startFailure(String cause) {
        startFailures.labelValues(cause).inc();
    }

    @Override
    public void probe(String probe, String status, Duration latency) {
        probeResults.labelValues(probe, status).inc();
        probeDuration.labelValues(probe).observe(latency.toNanos() / 1e9);
    }

    @Override
    public void probeCycle(String phase) {
        probeCycles.labelValues(phase).inc();
    }

    @Override
    public void memory(long treeGpuBytes, List<DeviceMemory> devices, long treeRssBytes) {
        memory = new MemoryReading(treeGpuBytes, List.copyOf(devices), treeRssBytes);
    }

    @Override
    public void gpuProjection(double growthBytesPerHour, double secondsToLimit) {
        this.growthBytesPerHour = growthBytesPerHour;
        this.secondsToLimit = secondsToLimit;
    }

    @Override
    public void launched(Instant at) {
        launchedAt = Objects.requireNonNull(at, "at");
    }

    @Override
    public void notRunning() {
        launchedAt = null;
    }

    /**
     * Starts serving these metrics at {@code http://host:port/metrics} (port 0: the system picks one, see
     * {@link MetricsServer#port()}). The exporter's threads are daemon threads; close the result to stop.
     *
     * @throws IOException naming the address, when it cannot be bound (in use, not a local address)
     */
    public MetricsServer serve(String host, int port) throws IOException {
        try {
            return new MetricsServer(HTTPServer.builder().hostname(host).port(port).registry(registry).buildAndStart());
        } catch (IOException e) {
            throw new IOException("cannot serve metrics on " + host + ":" + port + ": " + e.getMessage(), e);
        }
    }

    private void registerMemoryGauges() {
        gauge("glyph_supervisor_tree_gpu_memory_bytes",
                "GPU memory of the server's whole process tree (NVML usedGpuMemory summed over its pids)",
                () -> known(memory.treeGpuBytes()));
        gauge("glyph_supervisor_tree_rss_bytes", "Resident memory of the server's whole process tree",
                () -> known(memory.treeRssBytes()));
        deviceGauge("glyph_supervisor_device_memory_used_bytes", "Used memory of a watched GPU device", true);
        deviceGauge("glyph_supervisor_device_memory_total_bytes", "Total memory of a watched GPU device", false);
    }

    private void deviceGauge(String name, String help, boolean used) {
        GaugeWithCallback.builder()
                .name(name)
                .help(help)
                .labelNames("device", "uuid")
                .callback(callback -> {
                    for (DeviceMemory device : memory.devices()) {
                        double value = known(used ? device.used() : device.total());
                        if (!Double.isNaN(value)) {
                            callback.call(value, Integer.toString(device.index()), device.uuid());
                        }
                    }
                })
                .register(registry);
    }

    /** A gauge without labels that has no sample while its value is NaN (unknown). */
    private void gauge(String name, String help, DoubleSupplier value) {
        GaugeWithCallback.builder()
                .name(name)
                .help(help)
                .callback(callback -> {
                    double now = value.getAsDouble();
                    if (!Double.isNaN(now)) {
                        callback.call(now);
                    }
                })
                .register(registry);
    }

    private double uptimeSeconds() {
        Instant since = launchedAt;
        if (since == null) {
            return 0;
        }
        // A launch stamped a little ahead of this clock reads as just started, not as negative uptime.
        return Math.max(0, Duration.between(since, clock.instant()).toNanos() / 1e9);
    }

    private static double known(long bytes) {
        return bytes < 0 ? Double.NaN : bytes;
    }

    private static double epochSeconds(Instant at) {
        return at.getEpochSecond() + at.getNano() / 1e9;
    }
}
