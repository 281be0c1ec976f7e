package dev.glyphsupervisor.daemon;

import dev.glyphsupervisor.probes.inference.InferenceProbe;
import dev.glyphsupervisor.probes.inference.InferenceResult;

import java.time.Clock;
import java.time.Instant;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * The inference probe of one server: a real request on its own schedule, unless the progress probe shows the server
 * did real work since the last time this was due (no synthetic load on a busy server: its own traffic proves it
 * serves). Without a progress probe, or while its reading is unknown, it always runs.
 *
 * <p>"Since the last time": the progress counter as read when the probe was last due, run or skipped. A run's own
 * request moves the counter too, so after a run the next progress reading is taken as the new mark rather than the
 * reading before it.
 */
final class InferenceCheck {

    /** What status shows of the probe: the last answer, and the last time it was skipped. */
    record Last(InferenceResult result, Instant at, Instant skippedAt, String skipped) {
    }

    private final InferenceProbe probe;
    private final Optional<ProgressCheck> progress;
    private final Clock clock;
    /** The counter when the probe was last due; NaN: take the next reading (a run's own request moved it). */
    private double mark = Double.NaN;
    private boolean markAfterRun;
    private volatile Last last = new Last(null, null, null, null);

    InferenceCheck(InferenceProbe probe, Optional<ProgressCheck> progress, Clock clock) {
        this.probe = probe;
        this.progress = progress;
        this.clock = clock;
    }

    /** Runs the request, or returns empty when the server did real work since the probe was last due. Not reentrant. */
    Optional<InferenceResult> runUnlessBusy() {
        if (skipped()) {
            return Optional.empty();
        }
        InferenceResult result = probe.check(); // outside the lock: the probe cycle must not wait for it
        synchronized (this) {
            last = new Last(result, clock.instant(), last.skippedAt(), last.skipped());
            markAfterRun = true;
        }
        return Optional.of(result);
    }

    /** Whether the server progressed since the probe was last due (then that is now the mark). */
    private synchronized boolean skipped() {
        OptionalDouble counter = progress.map(ProgressCheck::counter).orElse(OptionalDouble.empty());
        if (counter.isEmpty() || markAfterRun || Double.isNaN(mark) || counter.getAsDouble() <= mark) {
            counter.ifPresent(c -> mark = c);
            return false;
        }
        String why = "skipped: the server progressed since the last check (counter " + number(mark) + " → "
                + number(counter.getAsDouble()) + ")";
        mark = counter.getAsDouble();
        last = new Last(last.result(), last.at(), clock.instant(), why);
        return true;
    }

    /** Told each progress reading's counter (on the probe cycle): the first after a run becomes the mark. */
    synchronized void progressRead(OptionalDouble counter) {
        if (counter.isEmpty()) {
            return;
        }
        if (markAfterRun || Double.isNaN(mark)) {
            mark = counter.getAsDouble();
            markAfterRun = false;
        }
    }

    Last last() {
        return last;
    }

    private static String number(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
    }
}
