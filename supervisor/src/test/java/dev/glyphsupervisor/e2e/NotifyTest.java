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
}
