package dev.glyphsupervisor.core;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * A short history of one memory figure and its growth rate: a least-squares line through the samples
 * of the last {@code window}, in bytes per hour. With the rate, the time until a limit is reached.
 */
public final class MemoryTrend {

    /** Fewer samples than this give no rate: two points make a line out of any noise. */
    static final int MIN_SAMPLES = 3;

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
        Instant origin = points.peekFirst().at();
        double n = points.size();
        double sumX = 0;
        double sumY = 0;
        double sumXX = 0;
        double sumXY = 0;
        for (Point p : points) {
            double x = Duration.between(origin, p.at()).toNanos() / 3.6e12; // hours
            double y = p.bytes();
            sumX += x;
            sumY += y;
            sumXX += x * x;
            sumXY += x * y;
        }
        double denominator = n * sumXX - sumX * sumX;
        return denominator <= 0 ? Double.NaN : (n * sumXY - sumX * sumY) / denominator;
    }

    /** Time until {@code limit} at the current rate from {@code current}; null when not growing. */
    public Duration timeToLimit(long current, long limit) {
        double rate = bytesPerHour();
        if (Double.isNaN(rate) || rate <= 0) {
            return null;
        }
        if (current >= limit) {
            return Duration.ZERO;
        }
        return Duration.ofMillis((long) ((limit - current) / rate * 3_600_000));
    }
}
