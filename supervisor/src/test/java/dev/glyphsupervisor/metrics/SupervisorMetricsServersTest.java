package dev.glyphsupervisor.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Several servers in one daemon: one registry, one endpoint, each server's series side by side under its label. */
class SupervisorMetricsServersTest {

    private static final Instant T0 = Instant.parse("2026-12-06T14:00:00Z");
    private static final long GIB = 1L << 30;

    private final SupervisorMetrics registry = new SupervisorMetrics(Clock.fixed(T0.plusSeconds(100), ZoneOffset.UTC),
            List.of("missing_module"));
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
        return Exposition.scrape(server.port());
    }

    @Test
    void twoServersSeriesSideBySideEachStartingAtZero() throws Exception {
        MetricsSink vllm = registry.forServer("vllm");
        MetricsSink ui = registry.forServer("ui", List.of("gradio_error"));
        vllm.state("RUNNING");
        ui.state("BACKOFF");
        vllm.restart("exited", T0);
        vllm.restart("exited", T0.plusSeconds(5));
        ui.restart("unhealthy", T0.plusSeconds(7));
        ui.startFailure("gradio_error");
        vllm.probe("http", "SUCCESS", Duration.ofMillis(3));
        ui.probe("http", "FAILURE", Duration.ofSeconds(2));
        vllm.probeCycle("liveness");

        Exposition scraped = scrape();
        assertEquals(1, scraped.value("glyph_supervisor_state", "server", "vllm", "state", "RUNNING"));
        assertEquals(0, scraped.value("glyph_supervisor_state", "server", "vllm", "state", "BACKOFF"));
        assertEquals(1, scraped.value("glyph_supervisor_state", "server", "ui", "state", "BACKOFF"));
        assertEquals(0, scraped.value("glyph_supervisor_state", "server", "ui", "state", "RUNNING"));
        assertEquals(2 * SupervisorMetrics.STATES.size(), scraped.named("glyph_supervisor_state").size());

        assertEquals(2, scraped.value("glyph_supervisor_restarts_total", "server", "vllm", "reason", "exited"));
        assertEquals(0, scraped.value("glyph_supervisor_restarts_total", "server", "ui", "reason", "exited"),
                "another server's restarts are not this one's");
        assertEquals(1, scraped.value("glyph_supervisor_restarts_total", "server", "ui", "reason", "unhealthy"));
        for (String reason : SupervisorMetrics.RESTART_REASONS) {
            for (String name : List.of("vllm", "ui")) {
                scraped.value("glyph_supervisor_restarts_total", "server", name, "reason", reason); // there, at 0 or more
            }
        }
        assertEquals(T0.getEpochSecond() + 5.0,
                scraped.value("glyph_supervisor_last_restart_timestamp_seconds", "server", "vllm"), 1e-3);
        assertEquals(T0.getEpochSecond() + 7.0,
                scraped.value("glyph_supervisor_last_restart_timestamp_seconds", "server", "ui"), 1e-3);

        assertEquals(0, scraped.value("glyph_supervisor_start_failures_total", "server", "vllm", "cause", "missing_module"));
        assertEquals(0, scraped.value("glyph_supervisor_start_failures_total", "server", "ui", "cause", "missing_module"));
        assertEquals(1, scraped.value("glyph_supervisor_start_failures_total", "server", "ui", "cause", "gradio_error"));
        assertEquals(List.of(), scraped.find("glyph_supervisor_start_failures_total", "server", "vllm", "cause", "gradio_error"),
                "a server's own causes are its own");

        assertEquals(1, scraped.value("glyph_supervisor_probe_results_total", "server", "vllm", "probe", "http",
                "status", "SUCCESS"));
        assertEquals(1, scraped.value("glyph_supervisor_probe_results_total", "server", "ui", "probe", "http",
                "status", "FAILURE"));
        assertEquals(1, scraped.value("glyph_supervisor_probe_duration_seconds_count", "server", "ui", "probe", "http"));
        assertEquals(1, scraped.value("glyph_supervisor_probe_cycles_total", "server", "vllm", "phase", "liveness"));
        assertEquals(0, scraped.value("glyph_supervisor_probe_cycles_total", "server", "ui", "phase", "liveness"));
        assertEquals(0, scraped.value("glyph_supervisor_probe_cycles_total", "server", "ui", "phase", "startup"));
    }

    @Test
    void memoryAndUptimeOfEachServerUnderItsOwnLabel() throws Exception {
        MetricsSink gpu0 = registry.forServer("gpu0");
        MetricsSink gpu1 = registry.forServer("gpu1");
        gpu0.memory(7 * GIB, List.of(new DeviceMemory(0, "GPU-aaa", 9 * GIB, 80 * GIB)), 3 * GIB);
        gpu1.memory(-1, List.of(new DeviceMemory(1, "GPU-bbb", 20 * GIB, 80 * GIB)), 2 * GIB);
        gpu0.gpuProjection(1024, 3600);
        gpu0.launched(T0);
        gpu1.notRunning();

        Exposition scraped = scrape();
        assertEquals(7 * GIB, scraped.value("glyph_supervisor_tree_gpu_memory_bytes", "server", "gpu0"));
        assertEquals(List.of(), scraped.find("glyph_supervisor_tree_gpu_memory_bytes", "server", "gpu1"),
                "unknown for gpu1: no sample, whatever gpu0 has");
        assertEquals(2 * GIB, scraped.value("glyph_supervisor_tree_rss_bytes", "server", "gpu1"));
        assertEquals(9 * GIB, scraped.value("glyph_supervisor_device_memory_used_bytes",
                "server", "gpu0", "device", "0", "uuid", "GPU-aaa"));
        assertEquals(20 * GIB, scraped.value("glyph_supervisor_device_memory_used_bytes",
                "server", "gpu1", "device", "1", "uuid", "GPU-bbb"));
        assertEquals(3600, scraped.value("glyph_supervisor_tree_gpu_memory_seconds_to_limit", "server", "gpu0"));
        assertEquals(List.of(), scraped.named("glyph_supervisor_tree_gpu_memory_seconds_to_limit").stream()
                .filter(s -> s.labels().get("server").equals("gpu1")).toList());
        assertEquals(100, scraped.value("glyph_supervisor_runtime_uptime_seconds", "server", "gpu0"), 1e-9);
        assertEquals(0, scraped.value("glyph_supervisor_runtime_uptime_seconds", "server", "gpu1"));
    }

    @Test
    void everySampleNamesItsServerAndAServerWithoutASinkHasNone() throws Exception {
        assertEquals(List.of(), scrape().samples(), "no server, no series");
        registry.forServer("vllm").state("RUNNING");
        registry.forServer("ui");
        Exposition scraped = scrape();
        Set<String> servers = scraped.samples().stream().map(s -> s.labels().get("server"))
                .collect(Collectors.toCollection(TreeSet::new));
        assertEquals(Set.of("ui", "vllm"), servers, "every sample has a server label: " + scraped.samples());
        assertEquals(scraped.of("vllm").samples().stream().map(Exposition.Sample::name).collect(Collectors.toSet()),
                scraped.of("ui").samples().stream().map(Exposition.Sample::name).collect(Collectors.toSet()),
                "a new server has the same families as one that ran");
        assertEquals(List.of("vllm", "ui"), registry.servers());
    }

    @Test
    void theSameNameGivesTheSameSinkAndABlankNameIsRefused() {
        MetricsSink first = registry.forServer("vllm");
        assertSame(first, registry.forServer("vllm"));
        assertThrows(IllegalArgumentException.class, () -> registry.forServer(""));
        assertThrows(NullPointerException.class, () -> registry.forServer(null));
        assertTrue(first.toString().contains("vllm"), first.toString());
    }
}
