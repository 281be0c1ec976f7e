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
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.function.ToDoubleFunction;

/**
 * The supervisor's Prometheus metrics, for every server of the daemon: each server reports what happened to it
 * through its own {@link MetricsSink}, {@link #forServer}, and every series carries that server's name in its
 * {@code server} label ({@code glyph_supervisor_state{server="vllm",state="RUNNING"} 1}); {@link #serve} exposes
 * them all at {@code /metrics}. Every method is safe to call from any thread.
 *
 * <p>A server's series appear when its sink is made, with the counters of every documented restart reason,
 * probe phase and known start-failure cause at 0, so {@code increase()} counts each server's first restart of
 * each reason. There are no daemon-wide metrics yet; one would have no {@code server} label.
 *
 * <p>Values that describe "now" (state, memory, projection, uptime) are held as plain fields and turned
 * into samples when scraped, so a scrape sees one consistent reading per server: never two states at 1, never
 * half of the devices of one reading. A value the daemon does not know (negative memory, NaN projection) is left
 * out of the scrape rather than exported as a number that looks real.
 *
 * <p>It has its own registry, not the library's default one, so that two instances (tests, or a daemon
 * restarted inside one JVM) never share or clash over a metric.
 */
public final class SupervisorMetrics {

    /** The label that names the server a series belongs to. */
    public static final String SERVER = "server";

    /** The supervisor's states, each exported (0 or 1) so that an alert on {@code state="FAILED"} always has a series. */
    static final List<String> STATES = List.of("STOPPED", "STARTING", "RUNNING", "DEGRADED", "STOPPING", "BACKOFF",
            "FAILED", "PAUSED", "WAITING");

    /**
     * The documented restart reasons, exported at 0 from the start: a series that first appears at its first
     * restart loses that restart to {@code increase()}, and a crash-loop alert would count one short.
     */
    static final List<String> RESTART_REASONS = List.of("exited", "unhealthy", "startup_timeout",
            "gpu_memory", "host_memory", "operator", "maintenance", "stalled", "inference_failed", "inference_slow");

    static final List<String> PROBE_PHASES = List.of("startup", "liveness");

    /**
     * The inference probe's verdicts, exported at 0 from the start for every server (with an inference probe or not,
     * as the restart reasons are): an alert on {@code increase(...{verdict="failed"}[10m]) > 0} has a series to read
     * before the first failure, and a server without the probe reads as 0 everywhere.
     */
    static final List<String> INFERENCE_VERDICTS = List.of("ok", "slow", "failed", "skipped");

    /** From a process-alive check (microseconds) up to an HTTP health timeout (seconds). */
    private static final double[] PROBE_SECONDS_BUCKETS = {0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
            10, 30};

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final Clock clock;
    private final List<String> causes;
    private final Counter restarts;
    private final Counter probeResults;
    private final Counter probeCycles;
    private final Counter startFailures;
    private final Histogram probeDuration;
    private final Counter inferenceResults;

    /** The servers' sinks, in the order they were made (a scrape lists them so); replaced whole on each addition. */
    private volatile Map<String, ServerMetrics> servers = Map.of();

    /** @param clock what uptime is measured against (the daemon's clock, so tests can move it) */
    public SupervisorMetrics(Clock clock) {
        this(clock, List.of());
    }

    /**
     * @param causes the start-failure causes the daemon can name (built-in and configured), exported at 0 from the
     *               start for every server, as the restart reasons are
     */
    public SupervisorMetrics(Clock clock, List<String> causes) {
        this.clock = Objects.requireNonNull(clock, "clock");
        this.causes = List.copyOf(causes);
        GaugeWithCallback.builder()
                .name("glyph_supervisor_state")
                .help("1 for the server's current state, 0 for every other state")
                .labelNames(SERVER, "state")
                .callback(callback -> {
                    for (ServerMetrics server : servers.values()) {
                        String current = server.state;
                        STATES.forEach(each -> callback.call(each.equals(current) ? 1 : 0, server.name, each));
                        // A state added to the daemon before it is added here is still shown, not lost.
                        if (!STATES.contains(current)) {
                            callback.call(1, server.name, current);
                        }
                    }
                })
                .register(registry);
        restarts = Counter.builder()
                .name("glyph_supervisor_restarts_total")
                .help("Restarts of the supervised server, by the reason the supervisor decided on")
                .labelNames(SERVER, "reason")
                .register(registry);
        GaugeWithCallback.builder()
                .name("glyph_supervisor_last_restart_timestamp_seconds")
                .help("When the server's last restart was decided, in seconds since the epoch; absent before the first one")
                .labelNames(SERVER)
                .callback(callback -> {
                    for (ServerMetrics server : servers.values()) {
                        Instant at = server.lastRestart;
                        if (at != null) {
                            callback.call(epochSeconds(at), server.name);
                        }
                    }
                })
                .register(registry);
        probeResults = Counter.builder()
                .name("glyph_supervisor_probe_results_total")
                .help("Probe results, by probe and status (SUCCESS, FAILURE, UNKNOWN)")
                .labelNames(SERVER, "probe", "status")
                .register(registry);
        probeCycles = Counter.builder()
                .name("glyph_supervisor_probe_cycles_total")
                .help("Probe cycles run, by phase: startup (readiness polls of a starting server) or liveness"
                        + " (the schedule's checks of a running one)")
                .labelNames(SERVER, "phase")
                .register(registry);
        startFailures = Counter.builder()
                .name("glyph_supervisor_start_failures_total")
                .help("Launches that failed before their first healthy answer (an exit or the startup timeout), by the"
                        + " cause read from their last output lines and exit status")
                .labelNames(SERVER, "cause")
                .register(registry);
        probeDuration = Histogram.builder()
                .name("glyph_supervisor_probe_duration_seconds")
                .help("How long each probe took, whatever its result")
                .labelNames(SERVER, "probe")
                .classicOnly()
                .classicUpperBounds(PROBE_SECONDS_BUCKETS)
                .register(registry);
        inferenceResults = Counter.builder()
                .name("glyph_supervisor_inference_results_total")
                .help("Inference probe runs, by verdict: ok, slow (answered later than slow_after), failed, or skipped"
                        + " (the progress probe showed the server did real work since the last one)")
                .labelNames(SERVER, "verdict")
                .register(registry);
        registerMemoryGauges();
        registerProgressGauges();
        gauge("glyph_supervisor_tree_gpu_memory_growth_bytes_per_hour",
                "Growth of the server tree's GPU memory fitted over the trend window, bytes per hour; absent when unknown",
                server -> server.growthBytesPerHour);
        gauge("glyph_supervisor_tree_gpu_memory_seconds_to_limit",
                "Projected seconds until the tree's GPU memory reaches its limit (+Inf when not growing); absent when unknown",
                server -> server.secondsToLimit);
        gauge("glyph_supervisor_runtime_uptime_seconds",
                "Seconds since the server's current process was launched; 0 when none is running",
                this::uptimeSeconds);
    }

    /**
     * The sink of one server: everything it reports is labelled {@code server="name"}. Its series are exported from
     * now on, the counters of the documented reasons, phases and the constructor's causes at 0. Asking again for a
     * name gives the same sink.
     *
     * @param name the server's name, as the config gives it (non-blank)
     */
    public MetricsSink forServer(String name) {
        return forServer(name, List.of());
    }

    /**
     * {@link #forServer(String)}, with start-failure causes of this server's own (its {@code restart.causes}) exported
     * at 0 besides the constructor's.
     */
    public synchronized MetricsSink forServer(String name, List<String> ownCauses) {
        Objects.requireNonNull(name, "name");
        if (name.isBlank()) {
            throw new IllegalArgumentException("a server's name must not be blank");
        }
        ServerMetrics server = servers.get(name);
        if (server == null) {
            server = new ServerMetrics(name);
            RESTART_REASONS.forEach(reason -> restarts.initLabelValues(name, reason));
            PROBE_PHASES.forEach(phase -> probeCycles.initLabelValues(name, phase));
            causes.forEach(cause -> startFailures.initLabelValues(name, cause));
            INFERENCE_VERDICTS.forEach(verdict -> inferenceResults.initLabelValues(name, verdict));
            Map<String, ServerMetrics> more = new LinkedHashMap<>(servers);
            more.put(name, server);
            servers = Collections.unmodifiableMap(more);
        }
        ownCauses.forEach(cause -> startFailures.initLabelValues(name, cause));
        return server;
    }

    /** The names of the servers that have a sink, in the order they were made. */
    public List<String> servers() {
        return List.copyOf(servers.keySet());
    }

    /**
     * Starts serving these metrics at {@code http://host:port/metrics} (port 0: the system picks one, see
     * {@link MetricsServer#port()}). The exporter's threads are daemon threads; close the result to stop.
     *
     * @throws IOException naming the address, when it cannot be bound (in use, not a local address)
     */
    public MetricsServer serve(String host, int port) throws IOException {
        return serve(host, port, null);
    }

    /**
     * The same, with {@code other} answering every path but {@code /metrics} (the kubelet's {@code /livez} and
     * {@code /readyz}, {@link HealthEndpoints}): the exporter's default handler, in place of its catch-all page, which
     * answered 200 to any path. Null: the exporter's own page.
     */
    public MetricsServer serve(String host, int port, com.sun.net.httpserver.HttpHandler other) throws IOException {
        try {
            HTTPServer.Builder builder = HTTPServer.builder().hostname(host).port(port).registry(registry);
            if (other != null) {
                builder.defaultHandler(other);
            }
            return new MetricsServer(builder.buildAndStart());
        } catch (IOException e) {
            throw new IOException("cannot serve metrics on " + host + ":" + port + ": " + e.getMessage(), e);
        }
    }

    private void registerMemoryGauges() {
        gauge("glyph_supervisor_tree_gpu_memory_bytes",
                "GPU memory of the server's whole process tree (NVML usedGpuMemory summed over its pids)",
                server -> known(server.memory.treeGpuBytes()));
        gauge("glyph_supervisor_tree_rss_bytes", "Resident memory of the server's whole process tree",
                server -> known(server.memory.treeRssBytes()));
        deviceGauge("glyph_supervisor_device_memory_used_bytes", "Used memory of a watched GPU device", true);
        deviceGauge("glyph_supervisor_device_memory_total_bytes", "Total memory of a watched GPU device", false);
    }

    /**
     * The progress probe's last reading (absent until the first one, after a scrape that could not read them, and
     * while the server is not running) and the inference probe's last latency (absent before its first answer).
     */
    private void registerProgressGauges() {
        gauge("glyph_supervisor_progress_pending",
                "Requests running + waiting in the server's engine, from its own metrics (probes.progress); absent when unknown",
                server -> server.progress.pending());
        gauge("glyph_supervisor_progress_steps_per_second",
                "How fast the engine's per-step progress counter moved between the last two scrapes; absent when unknown",
                server -> server.progress.stepsPerSecond());
        gauge("glyph_supervisor_progress_stalled_seconds",
                "Seconds work has been pending on a flat progress counter (a restart for stalled comes at stall_after);"
                        + " 0 while the engine progresses or is idle, absent when unknown",
                server -> server.progress.stalledSeconds());
        gauge("glyph_supervisor_inference_latency_seconds",
                "Latency of the inference probe's last answer (or failure), in seconds; absent before the first",
                server -> server.inferenceLatencySeconds);
    }

    /** A device's gauge, per server: a device two servers watch is in each one's reading, under each one's label. */
    private void deviceGauge(String name, String help, boolean used) {
        GaugeWithCallback.builder()
                .name(name)
                .help(help)
                .labelNames(SERVER, "device", "uuid")
                .callback(callback -> {
                    for (ServerMetrics server : servers.values()) {
                        for (DeviceMemory device : server.memory.devices()) {
                            double value = known(used ? device.used() : device.total());
                            if (!Double.isNaN(value)) {
                                callback.call(value, server.name, Integer.toString(device.index()), device.uuid());
                            }
                        }
                    }
                })
                .register(registry);
    }

    /** A gauge with only the server label, that has no sample for a server while its value is NaN (unknown). */
    private void gauge(String name, String help, ToDoubleFunction<ServerMetrics> value) {
        GaugeWithCallback.builder()
                .name(name)
                .help(help)
                .labelNames(SERVER)
                .callback(callback -> {
                    for (ServerMetrics server : servers.values()) {
                        double now = value.applyAsDouble(server);
                        if (!Double.isNaN(now)) {
                            callback.call(now, server.name);
                        }
                    }
                })
                .register(registry);
    }

    private double uptimeSeconds(ServerMetrics server) {
        Instant since = server.launchedAt;
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

    private record MemoryReading(long treeGpuBytes, List<DeviceMemory> devices, long treeRssBytes) {
    }

    /** One progress reading's figures, NaN where unknown: replaced whole, so a scrape never mixes two readings. */
    private record ProgressReading(double pending, double stepsPerSecond, double stalledSeconds) {
        static final ProgressReading UNKNOWN = new ProgressReading(Double.NaN, Double.NaN, Double.NaN);
    }

    /** One server's sink: its "now" values, read by the scrape, and its counters, labelled with its name. */
    private final class ServerMetrics implements MetricsSink {
        private final String name;
        private volatile String state = "STOPPED";
        private volatile Instant lastRestart;
        private volatile Instant launchedAt;
        private volatile MemoryReading memory = new MemoryReading(-1, List.of(), -1);
        private volatile double growthBytesPerHour = Double.NaN;
        private volatile double secondsToLimit = Double.NaN;
        private volatile ProgressReading progress = ProgressReading.UNKNOWN;
        private volatile double inferenceLatencySeconds = Double.NaN;

        ServerMetrics(String name) {
            this.name = name;
        }

        @Override
        public void state(String state) {
            this.state = Objects.requireNonNull(state, "state");
        }

        @Override
        public void restart(String reason, Instant at) {
            restarts.labelValues(name, reason).inc();
            lastRestart = Objects.requireNonNull(at, "at");
        }

        @Override
        public void startFailure(String cause) {
            startFailures.labelValues(name, cause).inc();
        }

        @Override
        public void probe(String probe, String status, Duration latency) {
            probeResults.labelValues(name, probe, status).inc();
            probeDuration.labelValues(name, probe).observe(latency.toNanos() / 1e9);
        }

        @Override
        public void probeCycle(String phase) {
            probeCycles.labelValues(name, phase).inc();
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
        public void progress(OptionalDouble pending, OptionalDouble stepsPerSecond, Optional<Duration> stalledFor) {
            if (pending.isEmpty()) {
                // A failed scrape: nothing is known, and a stall clock the watch keeps running is not a figure.
                progress = ProgressReading.UNKNOWN;
                return;
            }
            progress = new ProgressReading(pending.getAsDouble(), stepsPerSecond.orElse(Double.NaN),
                    stalledFor.map(d -> d.toNanos() / 1e9).orElse(0.0));
        }

        @Override
        public void inference(String verdict, Optional<Duration> latency) {
            inferenceResults.labelValues(name, Objects.requireNonNull(verdict, "verdict")).inc();
            latency.ifPresent(l -> inferenceLatencySeconds = l.toNanos() / 1e9);
        }

        @Override
        public void launched(Instant at) {
            launchedAt = Objects.requireNonNull(at, "at");
            progress = ProgressReading.UNKNOWN; // a new process: its figures come with its first reading
        }

        @Override
        public void notRunning() {
            launchedAt = null;
            progress = ProgressReading.UNKNOWN; // the stopped tree's figures are not the next one's
        }

        @Override
        public String toString() {
            return "metrics of server " + name;
        }
    }
}
