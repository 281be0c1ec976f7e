package dev.glyphsupervisor.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ConnectException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Every metric driven through one server's sink and read back the way Prometheus reads it: GET /metrics, text format,
 * that server's series (their {@code server} label checked and set aside by {@link Exposition#of}).
 */
class SupervisorMetricsTest {

    private static final Instant T0 = Instant.parse("2026-05-01T12:00:00Z");
    private static final long GIB = 1L << 30;

    private final MovableClock clock = new MovableClock(T0);
    private final SupervisorMetrics registry = new SupervisorMetrics(clock);
    private final MetricsSink metrics = registry.forServer("vllm");
    private MetricsServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private Exposition scrape() throws Exception {
        if (server == null) {
            server = registry.serve("127.0.0.1", 0);
        }
        return Exposition.scrape(server.port()).of("vllm");
    }

    @Test
    void servesTheTextFormat() throws Exception {
        Exposition scraped = scrape();
        assertTrue(scraped.contentType().startsWith("text/plain; version=0.0.4"), scraped.contentType());
        assertEquals(1, scraped.value("glyph_supervisor_state", "state", "STOPPED"), "a new supervisor has launched nothing");
    }

    @Test
    void stateIsOneForTheCurrentStateAndZeroForEveryOther() throws Exception {
        metrics.state("STARTING");
        metrics.state("RUNNING");
        Exposition scraped = scrape();
        assertEquals(SupervisorMetrics.STATES.size(), scraped.named("glyph_supervisor_state").size());
        for (String state : SupervisorMetrics.STATES) {
            assertEquals(state.equals("RUNNING") ? 1 : 0, scraped.value("glyph_supervisor_state", "state", state), state);
        }
        metrics.state("FAILED");
        assertEquals(1, scrape().value("glyph_supervisor_state", "state", "FAILED"));
        assertEquals(0, scrape().value("glyph_supervisor_state", "state", "RUNNING"));
    }

    @Test
    void restartsCountByReasonAndTheLastOneIsTimed() throws Exception {
        assertTrue(scrape().named("glyph_supervisor_last_restart_timestamp_seconds").isEmpty(), "no restart yet");
        metrics.restart("exited", T0.plusSeconds(10));
        metrics.restart("gpu_memory", T0.plusMillis(20_500));
        Exposition scraped = scrape();
        assertEquals(1, scraped.value("glyph_supervisor_restarts_total", "reason", "exited"));
        assertEquals(1, scraped.value("glyph_supervisor_restarts_total", "reason", "gpu_memory"));
        assertEquals(0, scraped.value("glyph_supervisor_restarts_total", "reason", "unhealthy"),
                "documented reasons are there at 0 before their first restart");
        assertEquals(T0.getEpochSecond() + 20.5, scraped.value("glyph_supervisor_last_restart_timestamp_seconds"), 1e-3);
    }

    @Test
    void startFailuresCountByCauseAndTheKnownCausesStartAtZero() throws Exception {
        SupervisorMetrics withCauses = new SupervisorMetrics(clock, List.of("missing_module", "unknown"));
        MetricsSink sink = withCauses.forServer("vllm", List.of("hf_token"));
        try (MetricsServer own = withCauses.serve("127.0.0.1", 0)) {
            assertEquals(0, Exposition.scrape(own.port()).of("vllm").value("glyph_supervisor_start_failures_total", "cause", "hf_token"),
                    "a configured cause is there at 0 before its first failure");
            sink.startFailure("missing_module");
            sink.startFailure("missing_module");
            sink.startFailure("port_in_use");
            Exposition scraped = Exposition.scrape(own.port()).of("vllm");
            assertEquals(2, scraped.value("glyph_supervisor_start_failures_total", "cause", "missing_module"));
            assertEquals(1, scraped.value("glyph_supervisor_start_failures_total", "cause", "port_in_use"));
            assertEquals(0, scraped.value("glyph_supervisor_start_failures_total", "cause", "unknown"));
        }
    }

    @Test
    void probeCyclesByPhaseStartAtZero() throws Exception {
        assertEquals(0, scrape().value("glyph_supervisor_probe_cycles_total", "phase", "liveness"));
        metrics.probeCycle("startup");
        metrics.probeCycle("startup");
        metrics.probeCycle("liveness");
        Exposition scraped = scrape();
        assertEquals(2, scraped.value("glyph_supervisor_probe_cycles_total", "phase", "startup"));
        assertEquals(1, scraped.value("glyph_supervisor_probe_cycles_total", "phase", "liveness"));
    }

    @Test
    void probeResultsAndDurations() throws Exception {
        metrics.probe("http", "SUCCESS", Duration.ofMillis(20));
        metrics.probe("http", "FAILURE", Duration.ofSeconds(3));
        metrics.probe("tcp", "SUCCESS", Duration.ofNanos(400_000));
        Exposition scraped = scrape();
        assertEquals(1, scraped.value("glyph_supervisor_probe_results_total", "probe", "http", "status", "SUCCESS"));
        assertEquals(1, scraped.value("glyph_supervisor_probe_results_total", "probe", "http", "status", "FAILURE"));
        assertEquals(1, scraped.value("glyph_supervisor_probe_results_total", "probe", "tcp", "status", "SUCCESS"));
        assertEquals(2, scraped.value("glyph_supervisor_probe_duration_seconds_count", "probe", "http"));
        assertEquals(3.02, scraped.value("glyph_supervisor_probe_duration_seconds_sum", "probe", "http"), 1e-9);
        assertEquals(1, scraped.value("glyph_supervisor_probe_duration_seconds_bucket", "probe", "http", "le", "0.025"));
        assertEquals(2, scraped.value("glyph_supervisor_probe_duration_seconds_bucket", "probe", "http", "le", "5.0"));
        assertEquals(1, scraped.value("glyph_supervisor_probe_duration_seconds_bucket", "probe", "tcp", "le", "0.001"));
    }

    @Test
    void memoryOfTheTreeAndEachDevice() throws Exception {
        metrics.memory(7 * GIB, List.of(new DeviceMemory(0, "GPU-aaa", 9 * GIB, 80 * GIB),
                new DeviceMemory(1, "GPU-bbb", 1 * GIB, 80 * GIB)), 3 * GIB);
        metrics.gpuProjection(512.0 * (1 << 20), 5400);
        Exposition scraped = scrape();
        assertEquals(7 * GIB, scraped.value("glyph_supervisor_tree_gpu_memory_bytes"));
        assertEquals(3 * GIB, scraped.value("glyph_supervisor_tree_rss_bytes"));
        assertEquals(9 * GIB, scraped.value("glyph_supervisor_device_memory_used_bytes", "device", "0", "uuid", "GPU-aaa"));
        assertEquals(1 * GIB, scraped.value("glyph_supervisor_device_memory_used_bytes", "device", "1", "uuid", "GPU-bbb"));
        assertEquals(80 * GIB, scraped.value("glyph_supervisor_device_memory_total_bytes", "device", "1", "uuid", "GPU-bbb"));
        assertEquals(512.0 * (1 << 20), scraped.value("glyph_supervisor_tree_gpu_memory_growth_bytes_per_hour"));
        assertEquals(5400, scraped.value("glyph_supervisor_tree_gpu_memory_seconds_to_limit"));

        metrics.memory(8 * GIB, List.of(new DeviceMemory(0, "GPU-aaa", 10 * GIB, 80 * GIB)), 3 * GIB);
        scraped = scrape();
        assertEquals(List.of("0"), scraped.named("glyph_supervisor_device_memory_used_bytes").stream()
                .map(sample -> sample.labels().get("device")).toList(), "a device no longer read is no longer exported");
        assertEquals(10 * GIB, scraped.value("glyph_supervisor_device_memory_used_bytes", "device", "0", "uuid", "GPU-aaa"));
    }

    @Test
    void unknownValuesAreLeftOutNotExportedAsMinusOneOrNaN() throws Exception {
        Exposition before = scrape();
        assertTrue(before.named("glyph_supervisor_tree_gpu_memory_bytes").isEmpty(), "nothing read yet");
        assertTrue(before.named("glyph_supervisor_tree_gpu_memory_seconds_to_limit").isEmpty(), "nothing projected yet");

        metrics.memory(-1, List.of(new DeviceMemory(0, "GPU-aaa", -1, 80 * GIB)), -1);
        metrics.gpuProjection(Double.NaN, Double.NaN);
        Exposition scraped = scrape();
        for (String unknown : List.of("glyph_supervisor_tree_gpu_memory_bytes", "glyph_supervisor_tree_rss_bytes",
                "glyph_supervisor_device_memory_used_bytes", "glyph_supervisor_tree_gpu_memory_growth_bytes_per_hour",
                "glyph_supervisor_tree_gpu_memory_seconds_to_limit")) {
            assertEquals(List.of(), scraped.named(unknown), unknown);
        }
        assertEquals(80 * GIB, scraped.value("glyph_supervisor_device_memory_total_bytes", "device", "0", "uuid", "GPU-aaa"));
        assertTrue(scraped.samples().stream().noneMatch(s -> s.value() < 0 || Double.isNaN(s.value())), scraped.samples()::toString);

        metrics.gpuProjection(0, Double.POSITIVE_INFINITY);
        assertEquals(Double.POSITIVE_INFINITY, scrape().value("glyph_supervisor_tree_gpu_memory_seconds_to_limit"),
                "not growing: never reaches the limit");
    }

    @Test
    void uptimeIsReadFromTheClockAtScrapeTime() throws Exception {
        assertEquals(0, scrape().value("glyph_supervisor_runtime_uptime_seconds"));
        metrics.launched(T0);
        clock.advance(Duration.ofSeconds(90));
        assertEquals(90, scrape().value("glyph_supervisor_runtime_uptime_seconds"), 1e-9);
        clock.advance(Duration.ofMillis(1500));
        assertEquals(91.5, scrape().value("glyph_supervisor_runtime_uptime_seconds"), 1e-9);
        metrics.notRunning();
        assertEquals(0, scrape().value("glyph_supervisor_runtime_uptime_seconds"));
    }

    @Test
    void twoInstancesInOneJvmHaveTheirOwnValues() throws Exception {
        SupervisorMetrics other = new SupervisorMetrics(clock);
        metrics.restart("exited", T0);
        metrics.state("RUNNING");
        other.forServer("vllm").state("PAUSED");
        try (MetricsServer otherServer = other.serve("127.0.0.1", 0)) {
            Exposition mine = scrape();
            Exposition theirs = Exposition.scrape(otherServer.port()).of("vllm");
            assertEquals(1, mine.value("glyph_supervisor_restarts_total", "reason", "exited"));
            assertEquals(0, theirs.value("glyph_supervisor_restarts_total", "reason", "exited"));
            assertEquals(1, mine.value("glyph_supervisor_state", "state", "RUNNING"));
            assertEquals(1, theirs.value("glyph_supervisor_state", "state", "PAUSED"));
            assertEquals(0, theirs.value("glyph_supervisor_state", "state", "RUNNING"));
        }
    }

    @Test
    void aTakenPortIsRefusedWithTheAddressInTheMessage() throws Exception {
        scrape();
        int taken = server.port();
        IOException refused = assertThrows(IOException.class, () -> new SupervisorMetrics(clock).serve("127.0.0.1", taken));
        assertTrue(refused.getMessage().startsWith("cannot serve metrics on 127.0.0.1:" + taken + ": "), refused.getMessage());
    }

    @Test
    void closeStopsServing() throws Exception {
        MetricsServer served = registry.serve("127.0.0.1", 0);
        int closed = served.port();
        served.close();
        assertThrows(ConnectException.class, () -> Exposition.scrape(closed));
    }

    /** A clock the test moves; the metrics read it only when scraped. */
    private static final class MovableClock extends Clock {
        private volatile Instant now;

        MovableClock(Instant now) {
            this.now = now;
        }

        void advance(Duration by) {
            now = now.plus(by);
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            throw new UnsupportedOperationException("not needed by the metrics");
        }
    }
}
