package dev.glyphsupervisor.e2e;

import dev.glyphsupervisor.systemd.DatagramSink;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The daemon tells systemd the truth: a real Unix datagram socket as NOTIFY_SOCKET, a real daemon JVM.
 * READY=1 comes only once the control socket is bound and the first launch is issued; STATUS= follows the
 * state; WATCHDOG=1 keeps coming while the event loop works; STOPPING=1 comes on SIGTERM.
 */
class NotifyTest {

    private static final Duration T = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    private DaemonProcess daemon;
    private DatagramSink sink;

    @AfterEach
    void cleanUp() throws InterruptedException {
        if (daemon != null) {
            daemon.closeWithServers();
        }
        if (sink != null) {
            sink.close();
        }
    }

    @Test
    void readyStatusWatchdogAndStoppingArriveAtTheRightMoments() throws Exception {
        sink = DatagramSink.bind(dir.resolve("notify.sock"));
        int port = TestServer.freePort();
        ConfigFile config = new ConfigFile(dir, port, TestServer.command(port, 0, 0, dir.resolve("control")));
        Map<String, String> env = new HashMap<>(sink.env());
        env.put("WATCHDOG_USEC", "1000000"); // 1 s: the daemon pings every 0.5 s
        daemon = DaemonProcess.start(config.write(), config.audit(), env);

        String first = sink.next(T); // the daemon JVM's whole start-up, which a busy machine stretches
        assertTrue(first.startsWith("READY=1\nSTATUS="), first);
        assertTrue(Files.exists(config.stateDir().resolve("control.sock")), "the control socket is bound before READY");
        assertTrue(daemon.find("runtime_launched", e -> true).isPresent(), "the first launch is issued before READY");

        int watchdogs = 0;
        boolean sawRunning = false;
        while (watchdogs < 3 || !sawRunning) {
            String message = sink.next();
            if (message.equals("WATCHDOG=1")) {
                watchdogs++;
            } else if (message.startsWith("STATUS=RUNNING")) {
                sawRunning = true;
            }
        }

        // The server must not be able to notify (or ping the watchdog) on the daemon's behalf.
        long serverPid = daemon.await("runtime_launched", T).path("pid").asLong();
        String environ = Files.readString(Path.of("/proc", Long.toString(serverPid), "environ"));
        assertTrue(environ.contains("GLYPH_SUPERVISOR_STATE_DIR="), "read the server's own environment");
        for (String variable : List.of("NOTIFY_SOCKET=", "WATCHDOG_USEC=")) {
            assertFalse(("\0" + environ).contains("\0" + variable), "the server inherited " + variable);
        }

        daemon.sigterm();
        String message;
        do {
            message = sink.next();
        } while (!message.startsWith("STOPPING=1"));
        assertTrue(message.contains("STATUS=stopping the server"), message);
        // systemd's stop timeout follows the config: stop_grace 2s + kill_timeout 5s + release_timeout 5s + 5s
        assertTrue(message.contains("\nEXTEND_TIMEOUT_USEC=17000000\n"), message);
        assertEquals(143, daemon.awaitExit(T));
    }

    /**
     * A stack of two: READY comes once both starts are handled (the dependent waiting for what it requires counts),
     * STATUS summarises the stack ("2/2 healthy"; a server down named with its state), and STOPPING names the servers.
     */
    @Test
    void aStackTellsOneReadyAndAStatusOfAllItsServers() throws Exception {
        sink = DatagramSink.bind(dir.resolve("notify.sock"));
        int basePort = TestServer.freePort();
        int uiPort = TestServer.freePort();
        Path config = dir.resolve("stack.yaml");
        Files.writeString(config, "state_dir: " + dir.resolve("state") + "\n"
                + "audit: {path: " + dir.resolve("audit.jsonl") + "}\n"
                + "defaults:\n"
                + "  runtime: {startup_timeout: 30s, stop_grace: 2s, caches: []}\n"
                + "  probes: {schedule: 300ms, failure_threshold: 2, startup_interval: 100ms}\n"
                + "  restart: {backoff_initial: 200ms, backoff_max: 2s, kill_timeout: 5s, release_timeout: 5s}\n"
                + "servers:\n"
                + stackServer("base", basePort, 1.0, "[]")
                + stackServer("ui", uiPort, 0, "[base]"));
        daemon = DaemonProcess.start(config, dir.resolve("audit.jsonl"), sink.env());

        String first = sink.next(T);
        assertTrue(first.startsWith("READY=1\nSTATUS=0/2 healthy; "), first);
        assertTrue(first.contains("ui WAITING"), "READY does not wait for a dependent's requirement: " + first);
        awaitStatus("STATUS=2/2 healthy");

        long basePid = daemon.await("runtime_launched", e -> e.path("server").asText().equals("base"), T)
                .path("pid").asLong();
        dev.glyphsupervisor.runtime.Signals.kill(basePid, dev.glyphsupervisor.runtime.Signals.SIGKILL);
        String down = awaitStatus("STATUS=0/2 healthy; base ");
        assertTrue(down.contains("ui "), down);
        awaitStatus("STATUS=2/2 healthy");

        daemon.sigterm();
        String stopping = awaitStatus("STOPPING=1");
        assertTrue(stopping.contains("STATUS=stopping the servers (2/2 healthy)"), stopping);
        assertEquals(143, daemon.awaitExit(T));
    }

    private String stackServer(String name, int port, double startupDelay, String requires) {
        return "  " + name + ":\n"
                + "    requires: " + requires + "\n"
                + "    runtime:\n"
                + "      command: " + TestServer.command(port, 0, startupDelay, dir.resolve(name + ".control")) + "\n"
                + "      workdir: " + dir + "\n"
                + "      port: " + port + "\n"
                + "    probes: {http: {url: \"http://127.0.0.1:" + port + "/health\", timeout: 1s, expect_status: 200}}\n";
    }

    /** The next message that starts with {@code prefix}, skipping the others (watchdog pings, other states). */
    private String awaitStatus(String prefix) throws Exception {
        long deadline = System.nanoTime() + T.toNanos();
        while (System.nanoTime() < deadline) {
            String message = sink.next(T);
            if (message.startsWith(prefix)) {
                return message;
            }
        }
        throw new AssertionError("no message starting " + prefix + " within " + T);
    }
}
