package dev.glyphsupervisor.runtime;

import java.time.Duration;
import java.util.function.Predicate;
import java.util.function.Supplier;

/** Waits for a condition with a deadline, checking at a short interval. */
final class Poll {

    /** Short enough that a stop or a relaunch notices convergence within a few milliseconds. */
    static final Duration INTERVAL = Duration.ofMillis(10);

    private Poll() {
    }

    /**
     * Samples {@code value} until {@code done} holds or {@code timeout} has passed, and returns the last
     * sample. An interrupt ends the wait early (the flag stays set) so a shutting-down caller is not held.
     */
    static <T> T until(Supplier<T> value, Predicate<T> done, Duration timeout) {
        return until(value, done, timeout, INTERVAL);
    }

    /** As {@link #until(Supplier, Predicate, Duration)}, checking every {@code interval}. */
    static <T> T until(Supplier<T> value, Predicate<T> done, Duration timeout, Duration interval) {
        long deadline = System.nanoTime() + timeout.toNanos();
        T sample = value.get();
        while (!done.test(sample) && System.nanoTime() - deadline < 0) {
            try {
                long pause = Math.max(1, Math.min(interval.toNanos(), deadline - System.nanoTime()));
                Thread.sleep(pause / 1_000_000, (int) (pause % 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return value.get();
            }
            sample = value.get();
        }
        return sample;
    }
}
