package dev.glyphsupervisor.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import dev.glyphsupervisor.deploy.PrometheusTools;
import dev.glyphsupervisor.runtime.Signals;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A fleet in a real Prometheus: three daemons (three boxes, each a real {@code bin/glyphctl daemon} with its metrics
 * listener and one server), scraped every second by a real Prometheus that evaluates the shipped alert rules. One
 * box's server starts to crash at every launch; the crash-loop alert must fire for that box and that server only,
 * and clear once the server heals (the crash's cause removed: the supervisor's slow retry picks the fix up).
 *
 * <p>The rules run on a clock 60 times faster ({@link PrometheusServer#faster}): each {@code for:} and range
 * window in seconds instead of minutes, the expressions otherwise as shipped.
 */
class PrometheusFleetTest {

    private static final Duration T = Duration.ofSeconds(60);
    private static final String CRASH_LOOP = "GlyphSupervisorCrashLoop";

    @TempDir
    Path dir;

    private final List<DaemonProcess> daemons = new ArrayList<>();
    private PrometheusServer prometheus;

    @AfterEach
    void cleanUp() throws InterruptedException {
        if (prometheus != null) {
            prometheus.close();
        }
        for (DaemonProcess d : daemons) {
            d.closeWithServers();
        }
    }

    /** One box: a daemon supervising one server, named after the box, that exits at once while its crash flag exists. */
    private record Box(String server, int metricsPort, Path crashFlag, DaemonProcess daemon) {
        String instance() {
            return "127.0.0.1:" + metricsPort;
        }
    }

    private Box box(String name) throws IOException {
        Path home = Files.createDirectories(dir.resolve(name));
        int port = TestServer.freePort();
        int metricsPort = TestServer.freePort();
        String server = "glyph-" + name;
        Path flag = home.resolve("crash");
        Path script = home.resolve("server.sh");
        Files.writeString(script, "#!/bin/sh\n"
                + "if [ -e '" + flag + "' ]; then echo 'RuntimeError: crashing on purpose while " + flag + " exists'; exit 1; fi\n"
                + "exec python3 '" + TestServer.SCRIPT + "' --port " + port + " --workers 0 --startup-delay 0 --control '"
                + home.resolve("control") + "'\n");
        Path audit = home.resolve("log").resolve("audit.jsonl");
        Path config = home.resolve("supervisor.yaml");
        Files.writeString(config, "state_dir: " + home.resolve("state") + "\n"
                + "audit: {path: " + audit + "}\n"
                + "metrics: {listen: \"127.0.0.1:" + metricsPort + "\"}\n"
                + "servers:\n"
                + "  " + server + ":\n"
                + "    runtime:\n"
                + "      command: [\"/bin/sh\", \"" + script + "\"]\n"
                + "      workdir: " + home + "\n"
                + "      port: " + port + "\n"
                + "      startup_timeout: 30s\n"
                + "      stop_grace: 2s\n"
                + "    probes:\n"
                + "      schedule: \"1s\"\n"
                + "      failure_threshold: 3\n"   // slow answers on a busy machine restart nothing here
                + "      startup_interval: 100ms\n"
                + "      http: {url: \"http://127.0.0.1:" + port + "/health\", timeout: 2s, expect_status: 200}\n"
                + "    restart:\n"
                + "      backoff_initial: 200ms\n"
                + "      backoff_max: 2s\n"
                + "      backoff_reset: 1s\n"
                + "      crash_loop: {max_restarts: 3, window: 1m}\n");
        DaemonProcess daemon = DaemonProcess.startThroughScript(config, audit, env -> { });
        daemons.add(daemon);
        return new Box(server, metricsPort, flag, daemon);
    }

    @Test
    void theCrashLoopAlertFiresForTheBoxAndServerThatLoopsAndClearsWhenItHeals() throws Exception {
        long start = System.nanoTime();
        List<Box> boxes = List.of(box("a"), box("b"), box("c"));
        Map<String, Long> pids = new TreeMap<>();
        for (Box box : boxes) {
            pids.put(box.server(), box.daemon().awaitHealthy(1, T).get("pid").asLong());
        }
        Path rules = dir.resolve("rules-60x-faster.yml");
        Files.writeString(rules, PrometheusServer.faster(Files.readString(PrometheusTools.RULES), 60));
        prometheus = PrometheusServer.start(dir.resolve("prometheus"),
                boxes.stream().map(Box::instance).toList(), rules, T);
        long alertRules = 0;
        for (JsonNode group : prometheus.api("/api/v1/rules").path("groups")) {
            for (JsonNode rule : group.path("rules")) {
                alertRules += rule.path("type").asText().equals("alerting") ? 1 : 0;
            }
        }
        assertEquals(PrometheusTools.alertRules().size(), alertRules, "every shipped alert is loaded");
        Await.until(T, "Prometheus sees the three servers RUNNING",
                () -> prometheus.query("glyph_supervisor_state{state=\"RUNNING\"} == 1").size() == 3,
                () -> prometheus.query("glyph_supervisor_state == 1").toString() + prometheus.describe());
        assertEquals(List.of(), firing(), "a healthy fleet has no firing alert");
        long ready = System.nanoTime();

        Box sick = boxes.get(1);
        Files.writeString(sick.crashFlag(), "");
        Signals.kill(pids.get(sick.server()), Signals.SIGKILL); // the engine dies; every relaunch now exits at once

        Await.until(T, CRASH_LOOP + " firing", () -> {
            List<JsonNode> loops = alerts(CRASH_LOOP);
            loops.forEach(a -> assertEquals(sick.instance(), label(a, "instance"),
                    "no crash-loop alert, not even pending, for a healthy box: " + loops));
            return loops.stream().anyMatch(a -> a.path("state").asText().equals("firing"));
        }, () -> alerts(CRASH_LOOP).toString() + sick.daemon().describe());
        long fired = System.nanoTime();
        List<JsonNode> loops = alerts(CRASH_LOOP);
        assertEquals(1, loops.size(), loops.toString());
        assertEquals(Map.of("alertname", CRASH_LOOP, "instance", sick.instance(), "job", "glyph-supervisor",
                "server", sick.server(), "severity", "critical"), labels(loops.get(0)));
        assertEquals(sick.instance() + ": server " + sick.server() + " is in a crash loop",
                loops.get(0).path("annotations").path("summary").asText());
        for (JsonNode alert : prometheus.alerts()) {
            assertEquals(sick.instance(), label(alert, "instance"), "every alert is about the sick box: " + alert);
        }
        List<JsonNode> viaQuery = prometheus.query("ALERTS{alertname=\"" + CRASH_LOOP + "\",alertstate=\"firing\"}");
        assertEquals(1, viaQuery.size(), viaQuery.toString());
        assertEquals(sick.server(), label(viaQuery.get(0), "server"));

        Files.delete(sick.crashFlag()); // the fix on disk: the supervisor's next (slow) retry launches a healthy server
        sick.daemon().await("runtime_healthy", e -> e.get("generation").asLong() > 1, T);
        Await.until(T, CRASH_LOOP + " cleared after the server healed", () -> alerts(CRASH_LOOP).isEmpty(),
                () -> alerts(CRASH_LOOP).toString());
        long cleared = System.nanoTime();
        assertEquals(1, prometheus.query("glyph_supervisor_state{state=\"RUNNING\",instance=\"" + sick.instance()
                + "\"} == 1").size(), "the healed server is RUNNING again");
        for (Box box : boxes) {
            if (box != sick) {
                assertEquals(1, box.daemon().all("runtime_launched").size(), "the healthy boxes were left alone");
            }
        }
        System.out.printf("fleet up and scraped %.1f s, crash-loop alert firing %.1f s after the crash, cleared %.1f s"
                        + " after that%n", (ready - start) / 1e9, (fired - ready) / 1e9, (cleared - fired) / 1e9);
    }

    private List<JsonNode> alerts(String name) {
        return prometheus.alerts().stream().filter(a -> label(a, "alertname").equals(name)).collect(Collectors.toList());
    }

    private List<JsonNode> firing() {
        return prometheus.alerts().stream().filter(a -> a.path("state").asText().equals("firing")).collect(Collectors.toList());
    }

    private static String label(JsonNode alertOrSample, String name) {
        JsonNode labels = alertOrSample.has("labels") ? alertOrSample.path("labels") : alertOrSample.path("metric");
        return labels.path(name).asText();
    }

    private static Map<String, String> labels(JsonNode alert) {
        Map<String, String> labels = new TreeMap<>();
        alert.path("labels").fields().forEachRemaining(e -> labels.put(e.getKey(), e.getValue().asText()));
        return labels;
    }
}
