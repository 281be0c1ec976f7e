package dev.glyphsupervisor.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import dev.glyphsupervisor.lock.StateDirLock;
import dev.glyphsupervisor.runtime.PortCheck;
import dev.glyphsupervisor.runtime.ProcInfo;
import dev.glyphsupervisor.runtime.ProcessTable;
import dev.glyphsupervisor.runtime.Signals;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The heal loop end to end: a real daemon JVM supervising the real forking test server (parent + workers
 * sharing the listening socket), real signals, real sockets. Every wait is a condition with a deadline.
 */
class HealLoopTest {

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

    private DaemonProcess start(ConfigFile config) throws IOException {
        DaemonProcess d = DaemonProcess.start(config.write(), config.audit());
        daemons.add(d);
        return d;
    }

    private ConfigFile server(int port, int workers) {
        return new ConfigFile(dir, port, TestServer.command(port, workers, 0, dir.resolve("control")));
    }

    private static boolean alive(long pid) {
        return ProcessTable.get(pid).filter(p -> !p.isZombie()).isPresent();
    }

    /** Pids of the session (server tree) led by {@code sid}. */
    private static Set<Long> session(long sid) {
        return ProcessTable.snapshot().stream().filter(p -> p.sid() == sid && !p.isZombie())
                .map(ProcInfo::pid).collect(Collectors.toSet());
    }

    @Test
    void sigkillOfTheServerIsNoticedAndItIsRelaunchedHealthy() throws Exception {
        int port = TestServer.freePort();
        DaemonProcess d = start(server(port, 0));
        long pid = d.awaitHealthy(1, T).get("pid").asLong();

        Signals.kill(pid, Signals.SIGKILL);

        JsonNode exited = d.await("runtime_exited", T);
        assertEquals(137, exited.get("exit_code").asInt());
        assertEquals("SIGKILL", exited.get("signal").asText());
        JsonNode decided = d.await("restart_decided", T);
        assertEquals("exited", decided.get("reason").asText());
        assertTrue(decided.get("seq").asLong() > exited.get("seq").asLong(), "exit recorded before the decision");
        JsonNode healthy = d.awaitHealthy(2, T);
        assertNotEquals(pid, healthy.get("pid").asLong());
    }

    @Test
    void killingOnlyTheParentAlsoEndsItsOrphanedWorkersAndFreesThePort() throws Exception {
        int port = TestServer.freePort();
        DaemonProcess d = start(server(port, 2));
        long parent = d.awaitHealthy(1, T).get("pid").asLong();
        Await.until(T, "2 workers", () -> session(parent).size() == 3, () -> session(parent).toString());
        Set<Long> workers = session(parent);
        workers.remove(parent);

        Signals.kill(parent, Signals.SIGKILL);

        JsonNode stopped = d.await("runtime_stopped", T);
        List<Long> ended = new ArrayList<>();
        stopped.get("termed").forEach(n -> ended.add(n.asLong()));
        stopped.get("survivors_killed").forEach(n -> ended.add(n.asLong()));
        assertTrue(ended.containsAll(workers), "the orphaned workers were signalled: " + stopped);
        assertEquals(0, stopped.get("still_alive").size());
        JsonNode healthy = d.awaitHealthy(2, T);
        for (long w : workers) {
            assertFalse(alive(w), "old worker " + w + " survived");
        }
        assertTrue(d.all("port_in_use").isEmpty(), "no 'address in use' loop: " + d.describe());
        assertTrue(d.all("release_failed").isEmpty());
        assertNotEquals(parent, healthy.get("pid").asLong());
    }

    @Test
    void aStoppedGroupWithItsPortStillOpenIsDetectedKilledAndRelaunched() throws Exception {
        int port = TestServer.freePort();
        DaemonProcess d = start(server(port, 2).set("failure_threshold", "3"));
        long pid = d.awaitHealthy(1, T).get("pid").asLong();
        Await.until(T, "2 workers", () -> session(pid).size() == 3, () -> session(pid).toString());

        Signals.killGroup(pid, Signals.SIGSTOP);
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            assertTrue(s.isConnected(), "hung, but the port still accepts connections");
        }

        JsonNode decided = d.await("restart_decided", T);
        assertEquals("unhealthy", decided.get("reason").asText());
        assertEquals(3, decided.get("failures").asInt());
        assertEquals(3, d.all("probe_failed").size(), "one failure per cycle up to the threshold");
        d.awaitHealthy(2, T);
        Await.until(T, "old tree gone", () -> session(pid).isEmpty(), () -> session(pid).toString());
    }

    @Test
    void healthAnswering500RestartsAfterTheThreshold() throws Exception {
        int port = TestServer.freePort();
        DaemonProcess d = start(server(port, 1));
        d.awaitHealthy(1, T);
        TestServer.control(dir.resolve("control"), "500");

        JsonNode decided = d.await("restart_decided", T);
        assertEquals("unhealthy", decided.get("reason").asText());
        assertEquals(2, d.all("probe_failed").size());
        assertTrue(d.all("probe_failed").get(0).get("detail").asText().contains("500"));
        TestServer.control(dir.resolve("control"), "ok");
        d.awaitHealthy(2, T);
    }

    @Test
    void healthSlowerThanItsTimeoutRestartsAfterTheThreshold() throws Exception {
        int port = TestServer.freePort();
        DaemonProcess d = start(server(port, 1).set("http",
                "{url: \"http://127.0.0.1:" + port + "/health\", timeout: 300ms, expect_status: 200}"));
        d.awaitHealthy(1, T);
        TestServer.control(dir.resolve("control"), "slow 20");

        JsonNode decided = d.await("restart_decided", T);
        assertEquals("unhealthy", decided.get("reason").asText());
        TestServer.control(dir.resolve("control"), "ok");
        d.awaitHealthy(2, T);
    }

    @Test
    void oneFailureBelowTheThresholdDoesNotRestart() throws Exception {
        int port = TestServer.freePort();
        DaemonProcess d = start(server(port, 1).set("failure_threshold", "3").set("schedule", "1s"));
        d.awaitHealthy(1, T);
        TestServer.control(dir.resolve("control"), "500");
        d.await("probe_failed", T);
        TestServer.control(dir.resolve("control"), "ok");

        d.await("runtime_recovered", T);
        assertTrue(d.all("restart_decided").isEmpty(), d.describe());
        assertEquals(1, d.all("runtime_launched").size());
    }

    @Test
    void slowStartupWithinTheTimeoutIsNotRestarted() throws Exception {
        int port = TestServer.freePort();
        ConfigFile config = new ConfigFile(dir, port, TestServer.command(port, 1, 2.0, dir.resolve("control")))
                .set("startup_timeout", "30s");
        DaemonProcess d = start(config);

        JsonNode healthy = d.awaitHealthy(1, T);
        assertTrue(healthy.get("startup_ms").asLong() >= 2000, "healthy only after loading: " + healthy);
        assertTrue(d.all("restart_decided").isEmpty());
        assertTrue(d.all("probe_failed").isEmpty(), "startup failures are held back");
    }

    @Test
    void startupPastTheTimeoutIsRestartedWithReasonStartupTimeout() throws Exception {
        int port = TestServer.freePort();
        ConfigFile config = new ConfigFile(dir, port, TestServer.command(port, 1, 60.0, dir.resolve("control")))
                .set("startup_timeout", "1500ms");
        DaemonProcess d = start(config);

        JsonNode decided = d.await("restart_decided", T);
        assertEquals("startup_timeout", decided.get("reason").asText());
        assertEquals(1500, decided.get("startup_timeout_ms").asLong());
        d.await("runtime_launched", e -> e.get("generation").asLong() == 2, T);
    }

    @Test
    void aCommandThatExitsAtOnceBacksOffThenGoesFailed() throws Exception {
        int port = TestServer.freePort();
        ConfigFile config = new ConfigFile(dir, port, "[\"sh\", \"-c\", \"exit 3\"]")
                .set("backoff_initial", "100ms").set("backoff_max", "3s")
                .set("max_restarts", "4").set("window", "1m");
        DaemonProcess d = start(config);

        JsonNode loop = d.await("crash_loop", T);
        assertEquals(5, loop.get("restarts_in_window").asInt());
        assertEquals(3000, loop.get("retry_in_ms").asLong());
        List<Long> delays = d.all("backoff").stream().map(b -> b.get("delay_ms").asLong()).collect(Collectors.toList());
        assertEquals(3, delays.size(), "first restart immediate, then three backoffs: " + delays);
        for (int i = 1; i < delays.size(); i++) {
            assertTrue(delays.get(i) > delays.get(i - 1), "backoff grows: " + delays);
        }
        assertEquals(3, d.all("runtime_exited").get(0).get("exit_code").asInt());
        // FAILED keeps a slow retry, not a spin: no new launch until retry_in_ms has passed.
        int launches = d.all("runtime_launched").size();
        assertEquals(5, launches);
    }

    @Test
    void aForeignProcessOnThePortIsNamedAndLeftAlone() throws Exception {
        int port = TestServer.freePort();
        try (ServerSocket foreign = new ServerSocket(port, 50, InetAddress.getLoopbackAddress())) {
            DaemonProcess d = start(server(port, 0));
            JsonNode inUse = d.await("port_in_use", T);
            assertEquals(port, inUse.get("port").asInt());
            assertEquals(ProcessHandle.current().pid(), inUse.get("holder_pid").asLong());
            assertTrue(d.all("runtime_launched").isEmpty(), "nothing launched into a held port");
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
                assertTrue(s.isConnected(), "the foreign listener was not killed");
            }
            assertFalse(foreign.isClosed());
        }
    }

    @Test
    void aSecondDaemonOnTheSameStateDirIsRefusedAndTheFirstCarriesOn() throws Exception {
        int port = TestServer.freePort();
        ConfigFile config = server(port, 0);
        DaemonProcess first = start(config);
        long pid = first.awaitHealthy(1, T).get("pid").asLong();

        Path out = dir.resolve("second.out");
        Process second = DaemonProcess.launch(config.write(), out);
        assertTrue(second.waitFor(30, java.util.concurrent.TimeUnit.SECONDS));
        assertNotEquals(0, second.exitValue());
        String message = Files.readString(out);
        assertTrue(message.contains("pid " + first.pid()), "names the holder: " + message);

        assertTrue(first.process().isAlive());
        assertTrue(alive(pid), "the first daemon's server is untouched");
        assertEquals(1, first.all("supervisor_started").size(), "the second daemon wrote nothing");
        assertEquals(1, first.all("runtime_launched").size());
    }

    @Test
    void cachesMatchingTheGlobsAreClearedBeforeTheRelaunchAndNothingElse() throws Exception {
        Path cache = Files.createDirectories(dir.resolve("cache"));
        Path gradio = Files.createDirectories(dir.resolve("gradio").resolve("nested"));
        int port = TestServer.freePort();
        ConfigFile config = server(port, 0).set("caches",
                "[\"" + cache + "/glyph_*.png\", \"" + dir.resolve("gradio") + "/**\"]");
        DaemonProcess d = start(config);
        long pid = d.awaitHealthy(1, T).get("pid").asLong();
        Files.writeString(cache.resolve("glyph_1.png"), "12345");
        Files.writeString(cache.resolve("glyph_2.png"), "678");
        Files.writeString(cache.resolve("keep.txt"), "keep");
        Files.writeString(gradio.resolve("upload.bin"), "abcdefghij");
        Path outside = Files.writeString(dir.resolve("glyph_3.png"), "outside");

        Signals.kill(pid, Signals.SIGKILL);

        JsonNode cleared = d.await("caches_cleared", T);
        assertEquals(3, cleared.get("files").asInt());
        assertEquals(18, cleared.get("bytes").asLong());
        JsonNode launched = d.await("runtime_launched", e -> e.get("generation").asLong() == 2, T);
        assertTrue(cleared.get("seq").asLong() < launched.get("seq").asLong(), "cleared before the relaunch");
        assertFalse(Files.exists(cache.resolve("glyph_1.png")));
        assertFalse(Files.exists(gradio.resolve("upload.bin")));
        assertTrue(Files.exists(cache.resolve("keep.txt")));
        assertTrue(Files.exists(outside));
    }

    @Test
    void sigtermStopsTheServerTreeWritesTheLastRecordAndReleasesTheLock() throws Exception {
        int port = TestServer.freePort();
        ConfigFile config = server(port, 2);
        DaemonProcess d = start(config);
        long pid = d.awaitHealthy(1, T).get("pid").asLong();
        Await.until(T, "2 workers", () -> session(pid).size() == 3, () -> session(pid).toString());

        d.sigterm();
        int exit = d.awaitExit(T);

        assertEquals(143, exit, "the JVM's exit status after SIGTERM with a clean shutdown");
        assertTrue(session(pid).isEmpty(), "no server process left: " + session(pid));
        List<String> names = d.eventNames();
        assertEquals("supervisor_stopped", names.get(names.size() - 1));
        assertTrue(names.contains("runtime_stopped"));
        assertTrue(PortCheck.isFree(port));
        try (StateDirLock lock = StateDirLock.acquire(config.stateDir())) {
            assertTrue(Files.exists(lock.path()), "the lock was released and is free to take");
        }
    }
}
