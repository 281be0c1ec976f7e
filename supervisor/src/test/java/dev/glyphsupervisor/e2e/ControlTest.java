package dev.glyphsupervisor.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.glyphsupervisor.runtime.Signals;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** glyphctl against a real daemon over its real Unix socket: every command and exit code. */
class ControlTest {

    private static final Duration T = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    private final List<DaemonProcess> daemons = new ArrayList<>();

    @AfterEach
    void cleanUp() throws InterruptedException {
        for (DaemonProcess d : daemons) {
            d.closeWithServers();
        }
    }

    /** Output, error output and exit code of one glyphctl call in this JVM. */
    private static InJvmGlyphctl.Result glyphctl(String... args) {
        return InJvmGlyphctl.run(args);
    }

    private ConfigFile config;

    private DaemonProcess start(String extraRestart) throws Exception {
        return start(extraRestart, "");
    }

    private DaemonProcess start(String extraRestart, String extraTopLevel) throws Exception {
        int port = TestServer.freePort();
        config = new ConfigFile(dir, port, TestServer.command(port, 1, 0, dir.resolve("control")));
        Path file = config.write();
        Files.writeString(file, Files.readString(file).replace("restart:\n", "restart:\n" + extraRestart) + extraTopLevel);
        DaemonProcess d = DaemonProcess.start(file, config.audit());
        daemons.add(d);
        return d;
    }

    private String configArg() {
        return dir.resolve("supervisor.yaml").toString();
    }

    @Test
    void statusRestartStopStartAndTheirExitCodes() throws Exception {
        DaemonProcess d = start("");
        long pid = d.awaitHealthy(1, T).get("pid").asLong();
        Path socket = config.stateDir().resolve("control.sock");
        Await.until(T, "the control socket", () -> Files.exists(socket));
        assertEquals("rw-rw----", PosixFilePermissions.toString(Files.getPosixFilePermissions(socket)),
                "only the owner and the group may drive the daemon");

        InJvmGlyphctl.Result status = glyphctl("status", "--config", configArg());
        assertEquals(0, status.exit(), status.err());
        assertTrue(status.out().contains("RUNNING") && status.out().contains("pid " + pid), status.out());

        InJvmGlyphctl.Result json = glyphctl("status", "--json", "--socket", socket.toString());
        JsonNode doc = new ObjectMapper().readTree(json.out());
        for (String key : List.of("state", "pid", "generation", "restarts", "last_restart", "probes", "gpu", "memory")) {
            assertTrue(doc.has(key), "status --json has " + key + ": " + json.out());
        }
        assertEquals(1, json.out().strip().lines().count(), "exactly one JSON document");
        assertEquals(pid, doc.get("pid").asLong());

        InJvmGlyphctl.Result restart = glyphctl("restart", "--reason", "new weights", "--config", configArg());
        assertEquals(0, restart.exit(), restart.out() + restart.err());
        assertTrue(restart.out().contains("healthy again: generation 2"), restart.out());
        JsonNode decided = d.await("restart_decided", T);
        assertEquals("operator", decided.get("reason").asText());
        assertEquals("new weights", decided.get("requested_reason").asText());
        assertEquals(System.getProperty("user.name"), decided.get("by").asText(), "the caller, from SO_PEERCRED");

        InJvmGlyphctl.Result stop = glyphctl("stop", "--config", configArg());
        assertEquals(0, stop.exit(), stop.err());
        JsonNode paused = d.await("paused", T);
        assertEquals(System.getProperty("user.name"), paused.get("by").asText());
        long probesAtPause = healthRequests();
        // PAUSED survives probe cycles (every 300 ms): the schedule keeps firing (its next time moves on)
        // and nothing relaunches the server or even probes it.
        java.time.Instant nextAtPause = nextProbe(socket);
        Await.until(T, "five more probe cycles", () -> nextProbe(socket).isAfter(nextAtPause.plusMillis(1400)));
        assertEquals(2, d.all("runtime_launched").size(), d.describe());
        assertEquals(probesAtPause, healthRequests(), "no probes while paused");
        InJvmGlyphctl.Result pausedStatus = glyphctl("status", "--config", configArg());
        assertEquals(1, pausedStatus.exit());
        assertTrue(pausedStatus.out().contains("PAUSED") && pausedStatus.out().contains("by " + System.getProperty("user.name")),
                pausedStatus.out());

        InJvmGlyphctl.Result start = glyphctl("start", "--config", configArg());
        assertEquals(0, start.exit(), start.err());
        d.awaitHealthy(3, T);
        assertEquals(0, glyphctl("status", "--config", configArg()).exit());
    }

    @Test
    void twoRestartsAskedAtOnceMakeOneRestartAndBothGetItsResult() throws Exception {
        DaemonProcess d = start("");
        d.awaitHealthy(1, T);
        CompletableFuture<InJvmGlyphctl.Result> a = CompletableFuture.supplyAsync(() -> glyphctl("restart", "--config", configArg()));
        CompletableFuture<InJvmGlyphctl.Result> b = CompletableFuture.supplyAsync(() -> glyphctl("restart", "--config", configArg()));
        InJvmGlyphctl.Result ra = a.get();
        InJvmGlyphctl.Result rb = b.get();
        assertEquals(0, ra.exit(), ra.err());
        assertEquals(0, rb.exit(), rb.err());
        assertTrue(ra.out().contains("generation 2") && rb.out().contains("generation 2"), ra.out() + rb.out());
        assertEquals(1, d.all("restart_decided").size(), d.describe());
        assertEquals(2, d.all("runtime_launched").size());
    }

    @Test
    void maintenanceRestartsOnItsCronAndIsSkippedWhenTheServerRestartedRecently() throws Exception {
        DaemonProcess d = start("  maintenance: \"*/2 * * * * ?\"\n  maintenance_skip_within: 3s\n");
        d.awaitHealthy(1, T);
        JsonNode skipped = d.await("maintenance_skipped", e -> e.get("why").asText().equals("restarted recently"), T);
        assertTrue(skipped.get("skip_within_ms").asLong() == 3000, skipped.toString());
        JsonNode decided = d.await("restart_decided", e -> e.get("reason").asText().equals("maintenance"), T);
        assertTrue(decided.get("uptime_ms").asLong() >= 3000, decided.toString());
        d.awaitHealthy(2, T);
    }

    @Test
    void theDaemonServesPrometheusMetricsWhenAsked() throws Exception {
        int metricsPort = TestServer.freePort();
        DaemonProcess d = start("", "metrics: {listen: \"127.0.0.1:" + metricsPort + "\"}\n");
        long pid = d.awaitHealthy(1, T).get("pid").asLong();
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        java.util.function.Supplier<String> scrape = () -> {
            try {
                return http.send(java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create("http://127.0.0.1:" + metricsPort + "/metrics")).build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString()).body();
            } catch (Exception e) {
                return "";
            }
        };
        Await.until(T, "state RUNNING in the metrics",
                () -> scrape.get().contains("glyph_supervisor_state{server=\"default\",state=\"RUNNING\"} 1"), scrape);
        Signals.kill(pid, Signals.SIGKILL);
        Await.until(T, "one restart for reason exited", () -> scrape.get().contains(
                "glyph_supervisor_restarts_total{reason=\"exited\",server=\"default\"} 1"), scrape);
        assertTrue(scrape.get().contains("glyph_supervisor_probe_duration_seconds"), scrape.get());
    }

    @Test
    void noDaemonIsExit3AndASilentSocketIsExit4WithinTheTimeout() throws Exception {
        Path missing = dir.resolve("no-daemon.sock");
        InJvmGlyphctl.Result down = glyphctl("status", "--socket", missing.toString());
        assertEquals(3, down.exit());
        assertTrue(down.err().contains("no daemon"), down.err());

        Path silent = dir.resolve("silent.sock");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(silent));
            CompletableFuture<SocketChannel> accepted = CompletableFuture.supplyAsync(() -> {
                try {
                    return server.accept(); // accepts, never answers
                } catch (java.io.IOException e) {
                    return null;
                }
            });
            long start = System.nanoTime();
            InJvmGlyphctl.Result hung = glyphctl("status", "--socket", silent.toString(), "--timeout", "1s");
            long ms = (System.nanoTime() - start) / 1_000_000;
            assertEquals(4, hung.exit(), hung.err());
            assertTrue(hung.err().contains("no answer"), hung.err());
            assertTrue(ms < 10_000, "returned after the timeout, not never: " + ms + " ms");
            SocketChannel c = accepted.getNow(null);
            if (c != null) {
                c.close();
            }
        }
        Files.deleteIfExists(silent);
        Files.createFile(silent); // a stale file where nobody listens
        InJvmGlyphctl.Result stale = glyphctl("status", "--socket", silent.toString());
        assertTrue(stale.exit() == 3 || stale.exit() == 4, stale.err());
    }

    private static java.time.Instant nextProbe(Path socket) {
        try {
            return java.time.Instant.parse(new ObjectMapper().readTree(
                    glyphctl("status", "--json", "--socket", socket.toString()).out()).get("next_probe").asText());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private long healthRequests() {
        try {
            return Files.readAllLines(config.runtimeLog()).stream().filter(l -> l.contains("GET /health")).count();
        } catch (java.io.IOException e) {
            return 0;
        }
    }
}
