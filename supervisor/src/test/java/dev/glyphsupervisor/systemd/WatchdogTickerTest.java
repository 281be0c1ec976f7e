package dev.glyphsupervisor.systemd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * WatchdogTicker with the real SystemdNotifier and a real datagram socket.
 *
 * <p>"No ping while stalled" is shown without waiting for an absence: the liveness check counts the ticks
 * that saw the stall, and after enough of them the test sends a STATUS marker through the same notifier.
 * Each tick's send finishes before the next tick runs, and the marker is sent after the counted ticks, so
 * any ping those ticks sent would be queued on the socket before the marker.
 */
class WatchdogTickerTest {

    private static final Duration INTERVAL = Duration.ofMillis(100);
    private static final String PING = "WATCHDOG=1";
    private static final String MARKER = "STATUS=marker";

    @TempDir
    Path dir;

    private DatagramSink sink;
    private ServiceNotifier notifier;

    @BeforeEach
    void bind() throws Exception {
        sink = DatagramSink.bind(dir.resolve("notify.sock"));
        notifier = ServiceNotifier.fromEnvironment(sink.env());
    }

    @AfterEach
    void close() throws Exception {
        sink.close();
    }

    @Test
    void pingsWhileAliveStopWhileTheSchedulerIsStalledAndResume() throws Exception {
        AtomicBoolean schedulerAnswers = new AtomicBoolean(true);
        Semaphore stalledTicks = new Semaphore(0);
        BooleanSupplier alive = () -> {
            boolean answers = schedulerAnswers.get();
            if (!answers) {
                stalledTicks.release();
            }
            return answers;
        };

        try (WatchdogTicker ticker = new WatchdogTicker(notifier, INTERVAL, alive)) {
            ticker.start();
            for (int i = 0; i < 3; i++) {
                assertEquals(PING, sink.next());
            }

            schedulerAnswers.set(false);
            // The first stalled tick ends the pings; whatever is still on its way was sent before it.
            awaitTicks(stalledTicks, 1);
            notifier.status("marker");
            sink.receivedUntil(MARKER).forEach(message -> assertEquals(PING, message));

            // Five more ticks (at least four intervals) that saw the stall, and not one ping from them.
            awaitTicks(stalledTicks, 5);
            notifier.status("marker");
            assertEquals(List.of(), sink.receivedUntil(MARKER));

            schedulerAnswers.set(true);
            assertEquals(PING, sink.next());
        }
    }

    @Test
    void aLivenessCheckThatThrowsCountsAsStalledAndTheTickerGoesOn() throws Exception {
        AtomicBoolean broken = new AtomicBoolean(true);
        Semaphore thrown = new Semaphore(0);
        BooleanSupplier alive = () -> {
            if (broken.get()) {
                thrown.release();
                throw new IllegalStateException("heartbeat lookup failed");
            }
            return true;
        };

        try (WatchdogTicker ticker = new WatchdogTicker(notifier, INTERVAL, alive)) {
            ticker.start();
            awaitTicks(thrown, 3);
            notifier.status("marker");
            assertEquals(List.of(), sink.receivedUntil(MARKER));

            broken.set(false);
            assertEquals(PING, sink.next());
        }
    }

    @Test
    void afterCloseReturnsNoTickRuns() throws Exception {
        AtomicInteger ticks = new AtomicInteger();
        WatchdogTicker ticker = new WatchdogTicker(notifier, INTERVAL, () -> {
            ticks.incrementAndGet();
            return true;
        });
        ticker.start();
        assertEquals(PING, sink.next());

        ticker.close();
        int ticksAtClose = ticks.get();
        notifier.status("marker");

        // Every tick so far pinged, and every ping arrived before the marker.
        assertEquals(ticksAtClose - 1, sink.receivedUntil(MARKER).size());
        // Absence of a later tick can only be shown by waiting: three intervals, bounded, with no tick.
        Thread.sleep(INTERVAL.multipliedBy(3).toMillis());
        assertEquals(ticksAtClose, ticks.get());
        assertThrows(IllegalStateException.class, ticker::start);
    }

    @Test
    void rejectsANonPositiveIntervalAndASecondStart() {
        assertThrows(IllegalArgumentException.class, () -> new WatchdogTicker(notifier, Duration.ZERO, () -> true));
        try (WatchdogTicker ticker = new WatchdogTicker(ServiceNotifier.NONE, INTERVAL, () -> true)) {
            ticker.start();
            assertThrows(IllegalStateException.class, ticker::start);
        }
    }

    private static void awaitTicks(Semaphore ticks, int count) throws InterruptedException {
        assertTrue(ticks.tryAcquire(count, DatagramSink.DEADLINE.toMillis(), TimeUnit.MILLISECONDS),
                "fewer than " + count + " ticks within " + DatagramSink.DEADLINE);
    }
}
