package dev.glyphsupervisor.core;

import dev.glyphsupervisor.core.ProgressWatch.Observation.Failed;
import dev.glyphsupervisor.core.ProgressWatch.Observation.Sample;
import dev.glyphsupervisor.core.ProgressWatch.Status;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The progress judge on a fake clock: one reading a second, stall_after 10 s, unless a test says otherwise. */
class ProgressWatchTest {

    private static final Duration STALL_AFTER = Duration.ofSeconds(10);
    private final ProgressWatch watch = new ProgressWatch(STALL_AFTER, false);
    private Instant now = Instant.parse("2026-12-06T10:00:00Z");

    private ProgressWatch.Reading read(double pending, double counter) {
        return watch.observe(1, new Sample(pending, counter), now);
    }

    private void tick(long seconds) {
        now = now.plusSeconds(seconds);
    }

    @Test
    void anIdleServerIsNeverStalledHoweverLongItsCounterIsFlat() {
        assertEquals(Status.BASELINE, read(0, 100).status());
        for (int i = 0; i < 3600; i++) {
            tick(1);
            assertEquals(Status.IDLE, read(0, 100).status(), "second " + i);
        }
    }

    @Test
    void pendingWorkOnAFlatCounterStallsAtStallAfterCountedFromTheFirstReadingThatShowedIt() {
        read(0, 100);
        tick(600); // idle for ten minutes: the stall clock does not start here
        ProgressWatch.Reading first = read(3, 100);
        assertEquals(Status.FLAT, first.status(), first.detail());
        for (int i = 1; i < 10; i++) {
            tick(1);
            assertEquals(Status.FLAT, read(3, 100).status(), "after " + i + " s");
        }
        tick(1);
        ProgressWatch.Reading stalled = read(3, 100);
        assertEquals(Status.STALLED, stalled.status(), stalled.detail());
        assertEquals(Duration.ofSeconds(10), stalled.stalledFor().orElseThrow());
        assertEquals(Duration.ofSeconds(610), stalled.sinceProgress().orElseThrow(), "the counter last moved at the baseline");
        assertEquals(3.0, stalled.values().get("pending"));
        assertEquals(100.0, stalled.values().get("counter"));
        assertEquals(10.0, stalled.values().get("stall_after_s"));
        assertEquals(610.0, stalled.values().get("seconds_since_progress"));
    }

    @Test
    void aHangRightAfterAStepIsTimedFromThatStep() {
        read(2, 10);
        tick(1);
        assertEquals(Status.PROGRESSING, read(2, 20).status());
        tick(9);
        assertEquals(Status.FLAT, read(2, 20).status(), "9 s flat");
        tick(1);
        assertEquals(Status.STALLED, read(2, 20).status(), "10 s flat since the step at the last move");
    }

    @Test
    void aBusyServerWhoseCounterMovesEveryReadingIsNeverStalled() {
        double counter = 0;
        read(8, counter);
        for (int i = 0; i < 600; i++) {
            tick(1);
            counter += 37;
            ProgressWatch.Reading r = read(8, counter);
            assertEquals(Status.PROGRESSING, r.status());
            assertEquals(37.0, r.stepsPerSecond().orElseThrow(), 1e-9);
        }
    }

    @Test
    void aLongRequestWhoseStepsMoveSlowerThanOnceAReadingButWithinStallAfterIsNotStalled() {
        // One step every 8 s (a slow prefill chunk): flat readings in between, never flat for stall_after.
        double counter = 0;
        read(1, counter);
        for (int i = 1; i <= 120; i++) {
            tick(1);
            if (i % 8 == 0) {
                counter++;
            }
            assertNotEquals(Status.STALLED, read(1, counter).status(), "second " + i);
        }
    }

    @Test
    void aCounterThatGoesBackwardsIsCountedAgainAndDoesNotFire() {
        read(1, 5000);
        tick(1);
        ProgressWatch.Reading reset = read(1, 3);
        assertEquals(Status.RESET, reset.status(), reset.detail());
        assertTrue(reset.detail().contains("5000") && reset.detail().contains("3"), reset.detail());
        for (int i = 1; i < 10; i++) {
            tick(1);
            assertEquals(Status.FLAT, read(1, 3).status(), "the stall clock starts again at the reset, " + i + " s");
        }
        tick(1);
        assertEquals(Status.STALLED, read(1, 3).status(), "flat for stall_after after the reset");
    }

    @Test
    void aFailedScrapeIsUnknownNeverIdleAndNeverFiresByItself() {
        read(0, 1);
        for (int i = 0; i < 60; i++) {
            tick(1);
            ProgressWatch.Reading r = watch.observe(1, new Failed(i % 2 == 0, "connection refused"), now);
            assertEquals(Status.UNKNOWN, r.status());
            assertEquals("connection refused", r.detail());
        }
    }

    @Test
    void failedScrapesDoNotResetARunningStallClock() {
        read(0, 50);
        tick(1);
        read(4, 50); // flat, pending: the clock runs from here
        for (int i = 0; i < 8; i++) {
            tick(1);
            assertEquals(Status.UNKNOWN, watch.observe(1, new Failed(true, "timed out"), now).status());
        }
        tick(1);
        ProgressWatch.Reading r = read(4, 50);
        assertEquals(Status.FLAT, r.status(), "9 s of the clock: the failed scrapes did not count as idle");
        tick(1);
        assertEquals(Status.STALLED, read(4, 50).status());
    }

    @Test
    void whereTheEngineAnswersMetricsATimeoutIsTheLoopNotTurning() {
        ProgressWatch llama = new ProgressWatch(STALL_AFTER, true);
        llama.observe(1, new Sample(0, 7), now);
        for (int i = 0; i < 10; i++) {
            tick(1);
            ProgressWatch.Reading r = llama.observe(1, new Failed(true, "no answer within 2 s"), now);
            assertEquals(Status.FLAT, r.status(), "second " + i + ": " + r.detail());
        }
        tick(1);
        ProgressWatch.Reading stalled = llama.observe(1, new Failed(true, "no answer within 2 s"), now);
        assertEquals(Status.STALLED, stalled.status(), stalled.detail());
        assertTrue(stalled.detail().contains("engine loop does not answer"), stalled.detail());
        tick(1);
        assertEquals(Status.UNKNOWN, llama.observe(1, new Failed(false, "connection refused"), now).status(),
                "a refused connection is not the loop: no judgement");
    }

    @Test
    void aNewGenerationStartsFromItsOwnCounters() {
        read(3, 900);
        tick(5);
        read(3, 900);
        tick(4);
        assertEquals(Status.FLAT, read(3, 900).status());
        tick(1);
        ProgressWatch.Reading fresh = watch.observe(2, new Sample(3, 0), now);
        assertEquals(Status.BASELINE, fresh.status(), "generation 2: a new process, new counters, a new clock");
        tick(9);
        assertEquals(Status.FLAT, watch.observe(2, new Sample(3, 0), now).status());
    }

    @Test
    void readingsAFewMillisecondsEarlyOnAScheduleOfExactlyStallAfterStillStallThen() {
        read(2, 10);
        now = now.plusMillis(1000);
        read(2, 20); // the last step: flat from here
        for (int i = 1; i <= 9; i++) {
            now = now.plusMillis(999); // a schedule's readings, each a millisecond early
            assertEquals(Status.FLAT, read(2, 20).status(), "reading " + i);
        }
        now = now.plusMillis(999);
        ProgressWatch.Reading r = read(2, 20);
        assertEquals(Status.STALLED, r.status(), "9.99 s of a 10 s stall_after is the tenth period: " + r.detail());
    }

    @Test
    void aFlatReadingMoreThanTheToleranceShortOfStallAfterIsNotYetStalled() {
        read(2, 20);
        now = now.plus(STALL_AFTER).minus(ProgressWatch.TOLERANCE).minusMillis(1);
        assertEquals(Status.FLAT, read(2, 20).status());
        now = now.plusMillis(1);
        assertEquals(Status.STALLED, read(2, 20).status());
    }

    @Test
    void stallAfterMustBePositive() {
        assertThrows(IllegalArgumentException.class, () -> new ProgressWatch(Duration.ZERO, false));
    }
}
