package dev.glyphsupervisor.probes;

import java.time.Duration;

/** Formats durations the way our config spells them ({@code 10s}, {@code 300ms}), for probe details. */
public final class Durations {

    private Durations() {
    }

    public static String human(Duration d) {
        long millis = d.toMillis();
        if (millis >= 1000 && millis % 1000 == 0) {
            return (millis / 1000) + "s";
        }
        return millis + "ms";
    }

    public static Duration since(long startNanos) {
        return Duration.ofNanos(System.nanoTime() - startNanos);
    }

    /** Rejects null, zero and negative timeouts, and ones too long for the millisecond socket APIs. */
    public static Duration requirePositive(Duration timeout, String what) {
        if (timeout == null || timeout.isZero() || timeout.isNegative()) {
            throw new IllegalArgumentException(what + " must be positive, got " + timeout);
        }
        if (timeout.toMillis() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(what + " is too long: " + timeout);
        }
        return timeout;
    }
}
