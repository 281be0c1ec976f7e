package dev.glyphsupervisor.core;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * A short history of one memory figure and its growth rate: a least-squares line through the samples
 * of the last {@code window}, in bytes per hour. With the rate, the time until a limit is reached.
 */
final class MemoryTrend {

    /** Fewer samples than this give no rate: two points make a line out of any noise. */
    static final int MIN_SAMPLES = 3;

    /**
     * Projections further out than this are "never": a line fitted over minutes says nothing about next year, and a
     * rate of a few bytes an hour (page-size jitter in an RSS) would otherwise project a limit millennia away.
     */
    static final Duration LONGEST_PROJECTION = Duration.ofDays(365);

    private record Point(Instant at, long bytes) {
    }

    private final Duration window;
    private final Deque<Point> points = new ArrayDeque<>();

    public MemoryTrend(Duration window) {
        this.window = window;
    }

    public void add(Instant at, long bytes) {
        if (bytes < 0) {
            return;
        }
        points.addLast(new Point(at, bytes));
        Instant oldest = at.minus(window);
        while (points.peekFirst().at().isBefore(oldest)) {
            points.removeFirst();
        }
    }

    public void clear() {
        points.clear();
    }

    /** Bytes per hour, or NaN when there are too few samples or they span no time. */
    public double bytesPerHour() {
        if (points.size() < MIN_SAMPLES) {
            return Double.NaN;
        }
        // Relative to the first point, in time and in bytes: a flat series is then exactly zero and fits a rate of
        // exactly zero. In absolute bytes (~10^9) the two products below differ in their last bits, and a flat tree
        // would "grow" by a few bytes an hour and reach its limit in a few hundred million years.
        Instant origin = points.peekFirst().at();
        long base = points.peekFirst().bytes();
        double n = points.size();
        double sumX = 0;
        double sumY = 0;
        double sumXX = 0;
        double sumXY = 0;
        for (Point p : points) {
            double x = Duration.between(origin, p.at()).toNanos() / 3.6e12; // hours
            double y = p.bytes() - base;
            sumX += x;
            sumY += y;
            sumXX += x * x;
            sumXY += x * y;
        }
        double denominator = n * sumXX - sumX * sumX;
        return denominator <= 0 ? Double.NaN : (n * sumXY - sumX * sumY) / denominator;
    }

    /**
     * Time until {@code limit} at the current rate from {@code current}; null ("never") when flat, shrinking, not yet
     * known, or further out than {@link #LONGEST_PROJECTION}.
     */
    public Duration timeToLimit(long current, long limit) {
        double rate = bytesPerHour();
        if (Double.isNaN(rate) || rate <= 0) {
            return null;
        }
        if (current >= limit) {
            return Duration.ZERO;
        }
        double hours = (limit - current) / rate;
        if (hours > LONGEST_PROJECTION.toHours()) {
            return null;
        }
        return Duration.ofMillis((long) (hours * 3_600_000));
    }
}
