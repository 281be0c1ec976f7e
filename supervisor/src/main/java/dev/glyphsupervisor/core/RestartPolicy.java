package dev.glyphsupervisor.core;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.function.DoubleSupplier;

/**
 * Backoff and crash-loop accounting, without time of its own: every call is given {@code now}.
 *
 * <p>The first restart after a healthy spell (or the first ever) is immediate; each further restart
 * without a healthy spell of {@code backoffReset} in between waits {@code backoffInitial × 2^(n-1)},
 * capped at {@code backoffMax}, less up to {@link CoreSettings#JITTER} of it at random. More than
 * {@code crashLoopMaxRestarts} restarts within {@code crashLoopWindow} is a crash loop.
 */
final class RestartPolicy {

    /** The verdict for one restart. */
    record Decision(boolean crashLoop, Duration delay, int attempt, int restartsInWindow) {
    }

    private final CoreSettings settings;
    private final DoubleSupplier random;
    /**
     * The relaunches after a failure within the crash-loop window. Not the restart count ({@link RestartHistory}):
     * it holds other restarts at other times. An operator's or the schedule's restart is decided and counted but is
     * no failure, so it stays out; a release that failed after one is a failure and goes in; and the time is the
     * stop's end, not the decision's.
     */
    private final Deque<Instant> restarts = new ArrayDeque<>();
    private int attempt;

    RestartPolicy(CoreSettings settings, DoubleSupplier random) {
        this.settings = settings;
        this.random = random;
    }

    /** The server has been healthy for {@code spell}: a long enough spell forgives earlier failures. */
    void healthyFor(Duration spell) {
        if (spell.compareTo(settings.backoffReset()) >= 0) {
            attempt = 0;
        }
    }

    /** The next restart is immediate again, as after a healthy spell (the crash-loop window is kept). */
    void resetBackoff() {
        attempt = 0;
    }

    /** Account for one restart at {@code now} and say how long to wait before the launch. */
    Decision restart(Instant now) {
        Instant windowStart = now.minus(settings.crashLoopWindow());
        while (!restarts.isEmpty() && restarts.peekFirst().isBefore(windowStart)) {
            restarts.removeFirst();
        }
        restarts.addLast(now);
        int inWindow = restarts.size();
        if (inWindow > settings.crashLoopMaxRestarts()) {
            attempt++;
            return new Decision(true, settings.backoffMax(), attempt, inWindow);
        }
        Duration delay = delayFor(attempt);
        attempt++;
        return new Decision(false, delay, attempt, inWindow);
    }

    /**
     * The wait before retrying a launch that did not happen, the {@code refusals}-th in a row: the backoff's steps
     * from {@code backoffInitial} (never immediate: what stood in the way rarely leaves at once) up to
     * {@code backoffMax}. Not a restart: nothing is counted toward a crash loop.
     */
    Duration retryDelay(int refusals) {
        return delayFor(Math.max(1, refusals));
    }

    private Duration delayFor(int n) {
        if (n == 0) {
            return Duration.ZERO;
        }
        Duration max = settings.backoffMax();
        Duration base = settings.backoffInitial();
        for (int i = 1; i < n && base.compareTo(max) < 0; i++) {
            base = base.multipliedBy(2);
        }
        if (base.compareTo(max) > 0) {
            base = max;
        }
        long nanos = base.toNanos();
        long jitter = (long) (nanos * CoreSettings.JITTER * random.getAsDouble());
        return Duration.ofNanos(nanos - jitter);
    }
}
