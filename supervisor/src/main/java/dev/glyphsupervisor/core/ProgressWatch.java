package dev.glyphsupervisor.core;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * Is the engine making progress? Judged from what the server's own metrics say each liveness cycle: how much work is
 * pending (requests running + waiting) and a counter that moves on every engine step. Pure: the caller scrapes and
 * says when; a test drives it on a fake clock.
 *
 * <p>The rule: work is pending and the step counter has not moved for {@code stallAfter} → {@link Status#STALLED}.
 * The stall clock starts at the first reading that shows pending work on a flat counter (or at the counter's last move
 * while work was pending), never earlier, so an engine idle for an hour that gets a request and hangs at once is
 * judged after {@code stallAfter} and not at the first reading. A hang is therefore seen at most {@code stallAfter}
 * plus one probe period after it happens.
 *
 * <ul>
 *   <li>No pending work: {@link Status#IDLE}, however long the counter is flat (an idle server is not hung).</li>
 *   <li>The counter went backwards: the server restarted behind our back (or its engine did);
 *       {@link Status#RESET}, and the next readings start from the new value, never a stall by itself.</li>
 *   <li>A failed scrape: {@link Status#UNKNOWN}. It never counts as idle (a stall clock running stays running) and never
 *       fires by itself, except where {@code scrapeTimeoutIsStuck} (llama.cpp's server answers {@code /metrics} from
 *       its engine loop, so a scrape that times out while the loop should answer is the loop being stuck): there a
 *       timeout counts as pending work on a flat counter.</li>
 * </ul>
 * One watch per server; {@link #observe} resets it when the generation changes (a new process, new counters).
 */
public final class ProgressWatch {

    /** What a reading showed, as status reports it. */
    public enum Status {
        /** The first reading of a generation: the counter's starting value. */
        BASELINE,
        /** Nothing pending. */
        IDLE,
        /** The counter moved since the last reading. */
        PROGRESSING,
        /** Work pending, the counter flat for less than stall_after. */
        FLAT,
        /** Work pending, the counter flat for stall_after or longer: hung. */
        STALLED,
        /** The counter went backwards: counted again from its new value. */
        RESET,
        /** The scrape failed: no judgement. */
        UNKNOWN
    }

    /** One scrape: a sample of the two numbers, or why there is none. */
    public sealed interface Observation {
        /** {@code pending}: requests running + waiting; {@code counter}: the per-step progress counter. */
        record Sample(double pending, double counter) implements Observation {
        }

        /** {@code timeout}: the server did not answer in time (busy, or stuck); {@code detail}: one line for status. */
        record Failed(boolean timeout, String detail) implements Observation {
            public Failed {
                Objects.requireNonNull(detail, "detail");
            }
        }
    }

    /**
     * The verdict of one reading and the values behind it.
     *
     * @param status         what it showed
     * @param detail         one line for status and the audit
     * @param pending        requests running + waiting, when read
     * @param counter        the progress counter, when read
     * @param stepsPerSecond how fast the counter moved since the previous reading, when both were read
     * @param sinceProgress  how long since the counter last moved (or was first read), when known
     * @param stalledFor     how long work has been pending on a flat counter, while it is
     * @param stallAfter     the watch's limit on that
     */
    public record Reading(Status status, String detail, OptionalDouble pending, OptionalDouble counter,
                          OptionalDouble stepsPerSecond, Optional<Duration> sinceProgress, Optional<Duration> stalledFor,
                          Duration stallAfter) {
        public Reading {
            Objects.requireNonNull(status, "status");
            Objects.requireNonNull(detail, "detail");
            Objects.requireNonNull(stallAfter, "stallAfter");
        }

        /** The values a {@code stalled} restart records in the audit log. */
        public Map<String, Object> values() {
            Map<String, Object> values = new LinkedHashMap<>();
            values.put("detail", detail);
            pending.ifPresent(p -> values.put("pending", p));
            counter.ifPresent(c -> values.put("counter", c));
            sinceProgress.ifPresent(d -> values.put("seconds_since_progress", d.toMillis() / 1000.0));
            stalledFor.ifPresent(d -> values.put("stalled_for_s", d.toMillis() / 1000.0));
            values.put("stall_after_s", stallAfter.toMillis() / 1000.0);
            return values;
        }
    }

    /**
     * How much earlier than stall_after a flat reading may already count: readings taken on a schedule come back a few
     * milliseconds early or late, and a stall_after of exactly N probe periods then read 9.998 s of "10 s" and waited
     * one more period (detection stall_after + two periods instead of one; the hang benchmark saw it in most rounds).
     */
    public static final Duration TOLERANCE = Duration.ofMillis(200);

    private final Duration stallAfter;
    private final boolean scrapeTimeoutIsStuck;

    private long generation = Long.MIN_VALUE;
    private Double lastCounter;
    private Instant lastReadAt;
    private Instant lastMovedAt;
    /** Since when work has been pending on a flat counter; null while idle or moving. */
    private Instant pendingFlatSince;
    private Double lastPending;

    /**
     * @param stallAfter           how long pending work may sit on a flat counter before the engine counts as hung
     * @param scrapeTimeoutIsStuck a scrape timeout means the engine loop is stuck (llama.cpp), not just busy
     */
    public ProgressWatch(Duration stallAfter, boolean scrapeTimeoutIsStuck) {
        if (stallAfter.isNegative() || stallAfter.isZero()) {
            throw new IllegalArgumentException("stallAfter must be positive, got " + stallAfter);
        }
        this.stallAfter = stallAfter;
        this.scrapeTimeoutIsStuck = scrapeTimeoutIsStuck;
    }

    public Duration stallAfter() {
        return stallAfter;
    }

    /** Judges one scrape of {@code generation} taken at {@code now}. */
    public Reading observe(long generation, Observation observation, Instant now) {
        if (generation != this.generation) {
            this.generation = generation;
            lastCounter = null;
            lastReadAt = null;
            lastMovedAt = null;
            pendingFlatSince = null;
            lastPending = null;
        }
        if (observation instanceof Observation.Failed failed) {
            return failed(failed, now);
        }
        Observation.Sample sample = (Observation.Sample) observation;
        double pending = sample.pending();
        double counter = sample.counter();
        OptionalDouble rate = OptionalDouble.empty();
        if (lastCounter != null && lastReadAt != null && now.isAfter(lastReadAt) && counter >= lastCounter) {
            rate = OptionalDouble.of((counter - lastCounter) / (Duration.between(lastReadAt, now).toNanos() / 1e9));
        }
        Double previous = lastCounter;
        lastCounter = counter;
        lastReadAt = now;
        lastPending = pending;
        if (previous == null) {
            lastMovedAt = now;
            pendingFlatSince = pending > 0 ? now : null;
            return reading(Status.BASELINE, "first reading: counter " + number(counter) + ", " + number(pending)
                    + " pending", pending, counter, rate, now);
        }
        if (counter < previous) {
            lastMovedAt = now;
            pendingFlatSince = pending > 0 ? now : null;
            return reading(Status.RESET, "the counter went back from " + number(previous) + " to " + number(counter)
                    + " (the server restarted its engine?): counted again from there", pending, counter,
                    OptionalDouble.empty(), now);
        }
        if (counter > previous) {
            lastMovedAt = now;
            pendingFlatSince = pending > 0 ? now : null;
            return reading(Status.PROGRESSING, number(pending) + " pending, " + rateText(rate), pending, counter, rate, now);
        }
        if (pending <= 0) {
            pendingFlatSince = null;
            return reading(Status.IDLE, "idle: nothing pending", pending, counter, rate, now);
        }
        if (pendingFlatSince == null) {
            pendingFlatSince = now;
        }
        return flat(number(pending) + " pending", pending, counter, rate, now);
    }

    private Reading failed(Observation.Failed failed, Instant now) {
        if (failed.timeout() && scrapeTimeoutIsStuck) {
            // The engine loop answers /metrics: no answer in time is the loop not turning, with work or without.
            if (pendingFlatSince == null) {
                pendingFlatSince = now;
            }
            return flat("no metrics within the timeout (" + failed.detail() + "): the engine loop does not answer",
                    lastPending == null ? Double.NaN : lastPending, lastCounter == null ? Double.NaN : lastCounter,
                    OptionalDouble.empty(), now);
        }
        return new Reading(Status.UNKNOWN, failed.detail(), OptionalDouble.empty(), OptionalDouble.empty(),
                OptionalDouble.empty(), sinceProgress(now), stalledFor(now), stallAfter);
    }

    private Reading flat(String what, double pending, double counter, OptionalDouble rate, Instant now) {
        Duration stalled = Duration.between(pendingFlatSince, now);
        if (stalled.compareTo(stallAfter.minus(TOLERANCE)) >= 0) {
            return reading(Status.STALLED, what + ", no progress for " + seconds(stalled) + " (stall_after "
                    + seconds(stallAfter) + ")", pending, counter, rate, now);
        }
        return reading(Status.FLAT, what + ", no progress for " + seconds(stalled), pending, counter, rate, now);
    }

    private Reading reading(Status status, String detail, double pending, double counter, OptionalDouble rate,
                            Instant now) {
        return new Reading(status, detail, known(pending), known(counter), rate, sinceProgress(now), stalledFor(now),
                stallAfter);
    }

    private Optional<Duration> sinceProgress(Instant now) {
        return lastMovedAt == null ? Optional.empty() : Optional.of(Duration.between(lastMovedAt, now));
    }

    private Optional<Duration> stalledFor(Instant now) {
        return pendingFlatSince == null ? Optional.empty() : Optional.of(Duration.between(pendingFlatSince, now));
    }

    private static OptionalDouble known(double value) {
        return Double.isNaN(value) ? OptionalDouble.empty() : OptionalDouble.of(value);
    }

    private static String rateText(OptionalDouble rate) {
        return rate.isPresent() ? String.format(java.util.Locale.ROOT, "%.1f steps/s", rate.getAsDouble()) : "moving";
    }

    private static String number(double value) {
        return value == Math.rint(value) && Math.abs(value) < 1e15 ? Long.toString((long) value)
                : String.format(java.util.Locale.ROOT, "%.3g", value);
    }

    static String seconds(Duration d) {
        long ms = d.toMillis();
        return ms % 1000 == 0 ? ms / 1000 + " s" : String.format(java.util.Locale.ROOT, "%.1f s", ms / 1000.0);
    }
}
