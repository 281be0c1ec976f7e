package dev.glyphsupervisor.systemd;

import java.io.Closeable;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Pings the watchdog from the daemon's own liveness, so that a stuck scheduler gets the daemon restarted.
 * The ticker has its own thread, which keeps running when the daemon's scheduler is stuck; that is why it
 * pings only while {@code alive} says the scheduler still answers, instead of pinging unconditionally.
 */
public final class WatchdogTicker implements Closeable {

    private static final Logger LOG = Logger.getLogger(WatchdogTicker.class.getName());

    /** Long enough for one sd_notify in flight to finish, so that no ping leaves after close returns. */
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(1);

    private final ServiceNotifier notifier;
    private final Duration interval;
    private final BooleanSupplier alive;
    private final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(task -> {
        Thread thread = new Thread(task, "systemd-watchdog");
        thread.setDaemon(true);
        return thread;
    });
    private boolean started;
    /** Only read and written on the ticker thread; logs the change from alive to stalled and back once each. */
    private boolean stalled;

    /** Every {@code interval}, calls notifier.watchdog() only if {@code alive.getAsBoolean()} (e.g. the event loop answered a heartbeat recently). */
    public WatchdogTicker(ServiceNotifier notifier, Duration interval, BooleanSupplier alive) {
        this.notifier = Objects.requireNonNull(notifier, "notifier");
        this.interval = Objects.requireNonNull(interval, "interval");
        this.alive = Objects.requireNonNull(alive, "alive");
        if (interval.isZero() || interval.isNegative()) {
            throw new IllegalArgumentException("watchdog interval must be positive: " + interval);
        }
    }

    /** Pings at once (if alive), then every interval. */
    public synchronized void start() {
        if (started || executor.isShutdown()) {
            throw new IllegalStateException("watchdog ticker already started or closed");
        }
        started = true;
        // Fixed delay: after a slow tick the next one waits its turn instead of catching up in a burst.
        executor.scheduleWithFixedDelay(this::tick, 0, interval.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Stops the pings; when it returns, no further ping is sent. */
    @Override
    public synchronized void close() {
        executor.shutdownNow();
        try {
            executor.awaitTermination(CLOSE_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Never throws: an exception out of a scheduled task would cancel every later tick without a word. */
    private void tick() {
        boolean ok;
        RuntimeException error = null;
        try {
            ok = alive.getAsBoolean();
        } catch (RuntimeException e) {
            ok = false;
            error = e;
        }
        if (ok) {
            if (stalled) {
                LOG.info("daemon liveness is back: watchdog pings resume");
            }
            try {
                notifier.watchdog();
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "watchdog ping failed", e);
            }
        } else if (!stalled) {
            LOG.log(Level.WARNING, "daemon liveness check failed: watchdog pings stop, and systemd restarts the "
                    + "daemon when WatchdogSec passes without one", error);
        }
        stalled = !ok;
    }
}
