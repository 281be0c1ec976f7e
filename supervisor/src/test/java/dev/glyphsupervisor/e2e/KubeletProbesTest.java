package dev.glyphsupervisor.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.glyphsupervisor.runtime.Signals;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The metrics listener's /livez and /readyz called as the kubelet calls them (HTTP GET with its 3 s timeout, success
 * is any status from 200 to 399), on a real daemon started through bin/glyphctl with a stack of two real servers:
 * {@code model}, and {@code ui} that requires it. Readiness falls while a killed server is down and comes back when the
 * daemon has healed it; liveness fails while an event loop is really stalled (its thread ptrace-stopped, as
 * systemd/check does) and passes again when it runs.
 */
class KubeletProbesTest {

    private static final Duration T = Duration.ofSeconds(40);
    /** The manifests' timeoutSeconds. */
    private static final Duration KUBELET_TIMEOUT = Duration.ofSeconds(3);

    @TempDir
    Path dir;

    private DaemonProcess daemon;
    private int metricsPort;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(KUBELET_TIMEOUT).build();

    @AfterEach
    void cleanUp() throws InterruptedException {
        if (daemon != null) {
            daemon.closeWithServers();
        }
    }

    /** One answer to a probe: status, body, and how long it took. */
    private record Probe(int status, String body, Duration took) {
        boolean success() {
            return status >= 200 && status < 400;
        }
    }

    private Probe get(String pathAndQuery) {
        long t0 = System.nanoTime();
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort + pathAndQuery))
                    .timeout(KUBELET_TIMEOUT).header("User-Agent", "kube-probe/1.34").header("Accept", "*/*").GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            return new Probe(r.statusCode(), r.body().strip(), Duration.ofNanos(System.nanoTime() - t0));
        } catch (java.io.IOException e) {
            return new Probe(-1, e.toString(), Duration.ofNanos(System.nanoTime() - t0)); // kubelet: failure
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private Probe awaitProbe(String pathAndQuery, boolean success, String what) {
        Probe[] last = new Probe[1];
        Await.until(T, what, () -> {
            last[0] = get(pathAndQuery);
            return last[0].success() == success;
        }, () -> pathAndQuery + " answered " + last[0] + daemon.describe());
        return last[0];
    }

    private void start() throws Exception {
        metricsPort = TestServer.freePort();
        StringBuilder yaml = new StringBuilder();
        yaml.append("state_dir: ").append(dir.resolve("state")).append('\n');
        yaml.append("audit: {path: ").append(dir.resolve("log/audit.jsonl")).append("}\n");
        yaml.append("metrics: {listen: \"127.0.0.1:").append(metricsPort).append("\"}\n");
        yaml.append("defaults:\n")
                .append("  runtime: {startup_timeout: 30s, stop_grace: 2s, caches: []}\n")
                .append("  probes: {schedule: 300ms, failure_threshold: 2, startup_interval: 100ms}\n")
                .append("  restart: {backoff_initial: 500ms, backoff_max: 2s, backoff_reset: 1s, kill_timeout: 5s,")
                .append(" release_timeout: 5s, crash_loop: {max_restarts: 10, window: 1m}}\n");
        yaml.append("servers:\n");
        server(yaml, "model", 0.5, "[]");
        server(yaml, "ui", 0.5, "[model]");
        Path config = dir.resolve("stack.yaml");
        Files.writeString(config, yaml.toString());
        daemon = DaemonProcess.startThroughScript(config, dir.resolve("log/audit.jsonl"), env -> { });
    }

    private void server(StringBuilder yaml, String name, double startupDelay, String requires) {
        int port = TestServer.freePort();
        yaml.append("  ").append(name).append(":\n")
                .append("    requires: ").append(requires).append('\n')
                .append("    runtime:\n")
                .append("      command: ").append(TestServer.command(port, 1, startupDelay, dir.resolve(name + ".control"))).append('\n')
                .append("      workdir: ").append(dir).append('\n')
                .append("      port: ").append(port).append('\n')
                .append("    probes: {http: {url: \"http://127.0.0.1:").append(port).append("/health\", timeout: 1s, expect_status: 200}}\n");
    }

    private JsonNode healthy(String server, long generation) {
        return daemon.await("runtime_healthy", e -> e.path("server").asText().equals(server)
                && e.get("generation").asLong() == generation, T);
    }

    @Test
    void readinessFollowsTheServersAndAnUnknownNameIs404() throws Exception {
        start();
        Probe ready = awaitProbe("/readyz", true, "/readyz 200 once both servers are healthy");
        assertTrue(ready.body().startsWith("ok: model "), ready.toString());
        healthy("model", 1);
        healthy("ui", 1);
        Probe live = get("/livez");
        assertEquals(200, live.status(), live.toString());
        assertEquals("ok", live.body());
        assertTrue(get("/readyz?server=ui").success());
        Probe unknown = get("/readyz?server=nope");
        assertEquals(404, unknown.status(), unknown.toString());
        assertEquals("no server 'nope'; the servers are model, ui", unknown.body());

        // kill -9 the ui: the pod is unready while it is down, model alone stays ready, and all is ready once healed.
        long uiPid = daemon.await("runtime_launched", e -> e.path("server").asText().equals("ui"), T).get("pid").asLong();
        Signals.kill(uiPid, Signals.SIGKILL);
        Probe down = awaitProbe("/readyz", false, "/readyz 503 while ui is down");
        assertEquals(503, down.status(), down.toString());
        assertTrue(down.body().startsWith("not ready: ui "), down.toString());
        assertFalse(down.body().contains("model"), "model was not down: " + down);
        Probe modelAlone = get("/readyz?server=model");
        assertTrue(modelAlone.success(), "model stays ready while ui heals: " + modelAlone);
        assertEquals(200, get("/livez").status(), "a server's death is no reason to restart the container");

        healthy("ui", 2);
        Probe back = awaitProbe("/readyz", true, "/readyz 200 again after ui healed");
        assertTrue(back.body().startsWith("ok: model RUNNING, ui "), back.toString());
    }

    @Test
    void livenessFailsWhileAnEventLoopIsReallyStalledAndPassesAgainAfter() throws Exception {
        start();
        awaitProbe("/readyz", true, "/readyz 200 once both servers are healthy");
        assertEquals("ok", get("/livez").body());

        List<Integer> loops = ThreadFreezer.threads(daemon.pid(), "glyph-loop");
        assertEquals(2, loops.size(), "one event loop per server: " + loops);
        try (ThreadFreezer frozen = ThreadFreezer.freeze(loops.get(0))) {
            Probe stuck = get("/livez");
            assertEquals(503, stuck.status(), stuck.toString());
            assertTrue(stuck.body().matches("the event loop of server (model|ui) did not answer within 2s"), stuck.body());
            assertTrue(stuck.took().compareTo(KUBELET_TIMEOUT) < 0, "the daemon answered after kubelet's timeout: " + stuck);
            Probe ready = get("/readyz");
            assertTrue(ready.success() && ready.took().compareTo(Duration.ofSeconds(1)) < 0,
                    "/readyz reads snapshots and does not wait for a loop: " + ready);
        }
        Probe live = awaitProbe("/livez", true, "/livez 200 once the loop runs again");
        assertEquals("ok", live.body());
    }
}
