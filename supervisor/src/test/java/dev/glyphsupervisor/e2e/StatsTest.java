package dev.glyphsupervisor.e2e;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class StatsTest {

    @Test
    void nearestRankPercentilesAreRealSamples() {
        List<Long> hundred = new ArrayList<>();
        for (long i = 100; i >= 1; i--) {
            hundred.add(i); // unsorted on purpose
        }
        assertEquals(50, Stats.percentile(hundred, 50));
        assertEquals(99, Stats.percentile(hundred, 99));
        assertEquals(100, Stats.percentile(hundred, 100));
        assertEquals(1, Stats.percentile(hundred, 1));
    }

    @Test
    void p99OfFewSamplesIsTheirMaximumAndTheMedianOfAnEvenCountIsTheLowerMiddle() {
        assertEquals(40, Stats.percentile(List.of(10L, 40L, 20L, 30L), 99));
        assertEquals(20, Stats.median(List.of(10L, 40L, 20L, 30L)));
        assertEquals(7, Stats.median(List.of(7L)));
    }

    @Test
    void summaryNamesEachFigure() {
        assertEquals("p50 2, p99 3, min 1, max 3", Stats.summary(List.of(3L, 1L, 2L)));
        assertEquals("no samples", Stats.summary(List.of()));
    }

    @Test
    void noSamplesOrAPercentileOutOfRangeIsAnError() {
        assertThrows(IllegalArgumentException.class, () -> Stats.percentile(List.of(), 50));
        assertThrows(IllegalArgumentException.class, () -> Stats.percentile(List.of(1L), 0));
        assertThrows(IllegalArgumentException.class, () -> Stats.percentile(List.of(1L), 101));
    }
}
