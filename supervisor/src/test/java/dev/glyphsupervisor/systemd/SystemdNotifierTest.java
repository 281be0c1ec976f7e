package dev.glyphsupervisor.systemd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Platform;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SystemdNotifier through the real libsystemd.so.0 to a real datagram socket. */
class SystemdNotifierTest {

    @TempDir
    Path dir;

    private DatagramSink sink;

    @BeforeEach
    void bind() throws Exception {
        sink = DatagramSink.bind(dir.resolve("notify.sock"));
    }

    @AfterEach
    void close() throws Exception {
        sink.close();
    }

    @Test
    void eachMessageArrivesWithExactlyTheExpectedText() throws Exception {
        ServiceNotifier notifier = ServiceNotifier.fromEnvironment(sink.env());
        assertInstanceOf(SystemdNotifier.class, notifier);

        notifier.ready("RUNNING, generation 1, 0 restarts");
        assertEquals("READY=1\nSTATUS=RUNNING, generation 1, 0 restarts", sink.next());
        notifier.status("BACKOFF, generation 2, 1 restart");
        assertEquals("STATUS=BACKOFF, generation 2, 1 restart", sink.next());
        notifier.watchdog();
        assertEquals("WATCHDOG=1", sink.next());
        notifier.stopping("stopping the server", java.time.Duration.ofSeconds(125));
        assertEquals("STOPPING=1\nEXTEND_TIMEOUT_USEC=125000000\nSTATUS=stopping the server", sink.next());
    }

    @Test
    void aStatusTextCannotAddAnAssignmentOfItsOwn() throws Exception {
        ServiceNotifier notifier = ServiceNotifier.fromEnvironment(sink.env());

        notifier.status("FAILED\nREADY=1\r\u0000x");

        assertEquals("STATUS=FAILED READY=1  x", sink.next());
    }

    @Test
    void theProcessEnvironmentIsPutBackAfterEachMessage() throws Exception {
        String before = Libc.INSTANCE.getenv("NOTIFY_SOCKET");

        ServiceNotifier.fromEnvironment(sink.env()).watchdog();

        assertEquals("WATCHDOG=1", sink.next());
        assertEquals(before, Libc.INSTANCE.getenv("NOTIFY_SOCKET"));
    }

    @Test
    void aSocketNobodyBindsNeitherThrowsNorLogsMoreThanOnce() {
        List<LogRecord> warnings = new CopyOnWriteArrayList<>();
        Handler handler = new Handler() {
            @Override
            public void publish(LogRecord record) {
                if (record.getLevel().intValue() >= Level.WARNING.intValue()) {
                    warnings.add(record);
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        Logger logger = Logger.getLogger(SystemdNotifier.class.getName());
        logger.addHandler(handler);
        try {
            ServiceNotifier notifier = ServiceNotifier.fromEnvironment(
                    Map.of("NOTIFY_SOCKET", dir.resolve("nobody.sock").toString()));
            for (int i = 0; i < 3; i++) {
                notifier.ready("RUNNING");
                notifier.status("RUNNING");
                notifier.watchdog();
                notifier.stopping("stopping", java.time.Duration.ofSeconds(1));
            }
        } finally {
            logger.removeHandler(handler);
        }

        assertEquals(1, warnings.size(), () -> warnings.toString());
        String message = warnings.get(0).getMessage();
        assertTrue(message.contains("nobody.sock") && message.contains("errno"), message);
    }

    private interface Libc extends Library {
        Libc INSTANCE = Native.load(Platform.C_LIBRARY_NAME, Libc.class);

        String getenv(String name);
    }
}
