package dev.glyphsupervisor.daemon;

import dev.glyphsupervisor.core.ProgressWatch;
import dev.glyphsupervisor.probes.progress.ProgressScraper;
import dev.glyphsupervisor.probes.progress.Scrape;

import java.time.Clock;
import java.util.OptionalDouble;

/**
 * The progress side of a liveness cycle: one scrape of the server's own metrics, judged by its {@link ProgressWatch}.
 * Runs on the server's probe cycle (one at a time); the last reading is published for status and for the inference
 * probe's "did the server do real work since?".
 */
final class ProgressCheck {

    private final ProgressScraper scraper;
    private final ProgressWatch watch;
    private final Clock clock;
    /** The last reading and the generation it was taken of, published together. */
    private volatile Last last;

    private record Last(long generation, ProgressWatch.Reading reading) {
    }

    ProgressCheck(ProgressScraper scraper, ProgressWatch watch, Clock clock) {
        this.scraper = scraper;
        this.watch = watch;
        this.clock = clock;
    }

    /** Scrapes once and judges it as a reading of {@code generation}. */
    ProgressWatch.Reading check(long generation) {
        // The reading's time is when the scrape was asked for, on the schedule, not when its answer came back.
        java.time.Instant asked = clock.instant();
        Scrape scrape = scraper.scrape();
        ProgressWatch.Observation observation = scrape instanceof Scrape.Sample sample
                ? new ProgressWatch.Observation.Sample(sample.pending(), sample.progress())
                : new ProgressWatch.Observation.Failed(((Scrape.Failed) scrape).failure() == Scrape.Failure.TIMEOUT,
                ((Scrape.Failed) scrape).detail());
        ProgressWatch.Reading reading = watch.observe(generation, observation, asked);
        last = new Last(generation, reading);
        return reading;
    }

    /**
     * The last reading of {@code generation}, or null before its first: after a relaunch, the previous generation's
     * reading (its pending work, its rate) says nothing of the new process.
     */
    ProgressWatch.Reading last(long generation) {
        Last l = last;
        return l == null || l.generation() != generation ? null : l.reading();
    }

    /** The progress counter as last read, when it was. */
    OptionalDouble counter() {
        Last l = last;
        return l == null ? OptionalDouble.empty() : l.reading().counter();
    }
}
