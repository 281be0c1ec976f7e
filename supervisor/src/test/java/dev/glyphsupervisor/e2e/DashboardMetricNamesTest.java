package dev.glyphsupervisor.e2e;

import dev.glyphsupervisor.deploy.GrafanaDashboard;
import dev.glyphsupervisor.runtime.Signals;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every metric that the Grafana dashboard and the alert rules select is one a real daemon exports: the names come
 * from the {@code /metrics} of a daemon with a server, a (fake) GPU with a limit and memory that grows, a host memory
 * limit and one restart behind it, so that the gauges that have no sample while unknown are there too.
 */
class DashboardMetricNamesTest {

    private static final Duration T = Duration.ofSeconds(60);

    /** Issue 16's metrics (engine progress, the inference canary): the dashboard and the rules must use them. */
    static final Set<String> ISSUE_16 = Set.of(
            "glyph_supervisor_progress_stalled_seconds",
            "glyph_supervisor_progress_pending",
            "glyph_supervisor_progress_steps_per_second",
            "glyph_supervisor_inference_results_total",
            "glyph_supervisor_inference_latency_seconds");

    /** Series that Prometheus makes itself: each target's {@code up}, and the rules' {@code ALERTS}. */
    static final Set<String> FROM_PROMETHEUS = Set.of("up", "ALERTS");

    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]", Pattern.MULTILINE);

    @TempDir
    Path dir;

    private DaemonProcess daemon;
    private FakeGpu gpu;

    @AfterEach
    void cleanUp() throws InterruptedException {
        if (daemon != null) {
            daemon.closeWithServers();
        }
        if (gpu != null) {
            gpu.close();
        }
    }

    @Test
    void everyMetricOfTheDashboardAndTheRulesIsInTheExposition() throws IOException {
        Map<String, Set<String>> used = GrafanaDashboard.metricNames();
        Set<String> wanted = new TreeSet<>(used.keySet());
        wanted.removeAll(FROM_PROMETHEUS);
        assertTrue(used.keySet().containsAll(ISSUE_16), "the dashboard and rules use issue 16's metrics: " + used.keySet());

        int port = TestServer.freePort();
        int metricsPort = TestServer.freePort();
        ConfigFile config = new ConfigFile(dir, port, TestServer.command(port, 0, 0, dir.resolve("control")));
        gpu = new FakeGpu(dir, config.stateDir(), 2 * FakeGpu.GIB);
        // The progress and inference gauges exist once those probes have read something: the test server has no
        // /metrics, so the progress probe reads the daemon's own, with a counter that stays flat (restarts: the inference
        // probe is skipped while the counter moves) under pending work (uptime) and a stall limit far away; the
        // inference probe asks the server's /health.
        config.set("memory", "  gpu: " + FakeGpu.config("max_process_memory: 4GiB") + "\n  host: {max_rss: 16GiB}\n"
                        + "  progress: {url: \"http://127.0.0.1:" + metricsPort + "/metrics\","
                        + " pending: [glyph_supervisor_runtime_uptime_seconds], progress: glyph_supervisor_restarts_total,"
                        + " stall_after: 1h}\n"
                        + "  inference: {url: \"http://127.0.0.1:" + port + "/health\", schedule: 1s}\n")
                .set("extra", "metrics: {listen: \"127.0.0.1:" + metricsPort + "\"}\n");
        daemon = DaemonProcess.start(config.write(), config.audit(), gpu.env());
        long pid = daemon.awaitHealthy(1, T).get("pid").asLong();
        Signals.kill(pid, Signals.SIGKILL); // one restart, for the last restart's timestamp
        daemon.awaitHealthy(2, T);

        // The server's GPU memory grows (16 MiB a probe cycle, far from the 4 GiB limit), so that a projection
        // to the limit exists: a server whose memory does not grow has none.
        long[] held = {2 * FakeGpu.GIB};
        long[] lastStep = {0};
        Await.until(T, "every metric the dashboard and the rules use, in the daemon's /metrics", () -> {
            if (System.nanoTime() - lastStep[0] > 300_000_000L) {
                held[0] += 16 * FakeGpu.MIB;
                gpu.server(held[0]);
                lastStep[0] = System.nanoTime();
            }
            return exposed(metricsPort).containsAll(wanted);
        }, () -> missing(used, wanted, exposed(metricsPort)).toString()
                        + "\nexposed: " + exposed(metricsPort) + daemon.describe());
        assertEquals(Map.of(), missing(used, wanted, exposed(metricsPort)));
    }

    /** What is not exported, and where it is used. */
    private static Map<String, Set<String>> missing(Map<String, Set<String>> used, Set<String> wanted, Set<String> exposed) {
        Map<String, Set<String>> missing = new TreeMap<>();
        wanted.stream().filter(name -> !exposed.contains(name)).forEach(name -> missing.put(name, used.get(name)));
        return missing;
    }

    private static Set<String> exposed(int port) {
        Set<String> names = new TreeSet<>();
        try {
            String body = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()).body();
            Matcher m = SAMPLE.matcher(body);
            while (m.find()) {
                names.add(m.group(1));
            }
        } catch (IOException e) {
            return names; // not listening yet
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return names;
    }
}
