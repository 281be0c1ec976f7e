package dev.glyphsupervisor.config;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** Probes every {@code every}, counted from {@code after}; the zone plays no part in a fixed interval. */
public record IntervalProbeSchedule(Duration every) implements ProbeSchedule {

    public IntervalProbeSchedule {
        Objects.requireNonNull(every, "every");
        if (every.isNegative() || every.isZero()) {
            throw new IllegalArgumentException("interval must be positive, got " + HumanDuration.format(every));
        }
    }

    @Override
    public List<Instant> nextTimes(Instant after, int count, ZoneId zone) {
        List<Instant> times = new ArrayList<>(count);
        Instant next = after;
        for (int i = 0; i < count; i++) {
            next = next.plus(every);
            times.add(next);
        }
        return times;
    }

    @Override
    public String describe() {
        return "every " + HumanDuration.format(every);
    }
}
