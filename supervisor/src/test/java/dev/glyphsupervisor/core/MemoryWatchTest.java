package dev.glyphsupervisor.core;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Limits, growth rates and projections on a fake clock. */
class MemoryWatchTest {

    private static final long MIB = 1L << 20;
    private static final long GIB = 1L << 30;
    private final Instant t0 = Instant.parse("2026-11-26T12:00:00Z");

    private static MemorySample gpu(long generation, Instant at, long treeGpu, long deviceUsed) {
        return new MemorySample(generation, at, treeGpu, Map.of(42L, treeGpu),
                List.of(new MemorySample.Device(0, "GPU-x", deviceUsed, 80 * GIB)), null, -1, Map.of(), -1);
    }

    private static MemorySample host(long generation, Instant at, long rss, long available) {
        return new MemorySample(generation, at, -1, Map.of(), List.of(), null, rss, Map.of(42L, rss), available);
    }

    @Test
    void treeGpuOverTheLimitIsAGpuMemoryBreachWithTheValues() {
        MemoryWatch w = new MemoryWatch(new MemoryLimits(4 * GIB, -1, -1, -1, -1, Duration.ofMinutes(30), null));
        assertTrue(w.check(gpu(1, t0, 4 * GIB, 5 * GIB)).isEmpty(), "at the limit is not over it");
        MemoryBreach b = w.check(gpu(1, t0.plusSeconds(60), 4 * GIB + 1, 5 * GIB)).orElseThrow();
        assertEquals("gpu_memory", b.reason());
        assertEquals("tree_gpu_memory", b.values().get("metric"));
        assertEquals(4 * GIB + 1, b.values().get("value"));
        assertEquals(4 * GIB, b.values().get("limit"));
        assertEquals(Map.of("42", 4 * GIB + 1), b.values().get("per_pid"));
        assertEquals(false, b.values().get("projected"));
    }

    @Test
    void devicePercentageLimitUsesTheDevicesTotal() {
        MemoryWatch w = new MemoryWatch(new MemoryLimits(-1, -1, 0.95, -1, -1, Duration.ofMinutes(30), null));
        assertTrue(w.check(gpu(1, t0, GIB, 76 * GIB)).isEmpty());
        MemoryBreach b = w.check(gpu(1, t0.plusSeconds(1), GIB, 77 * GIB)).orElseThrow();
        assertEquals("device_memory", b.values().get("metric"));
        assertEquals((long) (0.95 * 80 * GIB), b.values().get("limit"));
    }

    @Test
    void unknownGpuValuesNeverBreach() {
        MemoryWatch w = new MemoryWatch(new MemoryLimits(GIB, -1, -1, -1, -1, Duration.ofMinutes(30), null));
        MemorySample unknown = new MemorySample(1, t0, -1, Map.of(), List.of(), "libnvidia-ml.so.1 not found",
                -1, Map.of(), -1);
        assertTrue(w.check(unknown).isEmpty());
    }

    @Test
    void hostRssAndAvailableLimitsAreHostMemoryBreaches() {
        MemoryWatch w = new MemoryWatch(new MemoryLimits(-1, -1, -1, 400 * MIB, GIB, Duration.ofMinutes(30), null));
        assertEquals("tree_rss", w.check(host(1, t0, 401 * MIB, 8 * GIB)).orElseThrow().values().get("metric"));
        MemoryBreach low = w.check(host(1, t0, 100 * MIB, GIB - 1)).orElseThrow();
        assertEquals("host_memory", low.reason());
        assertEquals("host_available", low.values().get("metric"));
    }

    @Test
    void growthRateIsFittedOverTheWindowAndProjectsTheTimeToTheLimit() {
        MemoryWatch w = new MemoryWatch(new MemoryLimits(10 * GIB, -1, -1, -1, -1, Duration.ofMinutes(30), null));
        for (int minute = 0; minute <= 10; minute++) {          // +100 MiB a minute = 6000 MiB an hour
            w.check(gpu(1, t0.plus(Duration.ofMinutes(minute)), 4 * GIB + minute * 100 * MIB, 5 * GIB));
        }
        Map<String, Object> s = w.summary();
        assertEquals(6000 * MIB, s.get("gpu_growth_bytes_per_hour"));
        long remaining = 10 * GIB - (4 * GIB + 1000 * MIB);
        assertEquals(remaining * 60 / (100 * MIB), s.get("gpu_time_to_limit_s"));
    }

    @Test
    void earlyRestartFiresWhenTheProjectionFallsInsideTheHorizon() {
        MemoryWatch w = new MemoryWatch(new MemoryLimits(10 * GIB, -1, -1, -1, -1, Duration.ofMinutes(30),
                Duration.ofMinutes(30)));
        Optional<MemoryBreach> b = Optional.empty();
        int minute = 0;
        while (b.isEmpty() && minute < 120) {                   // +100 MiB a minute from 1 GiB: limit in ~92 min
            b = w.check(gpu(1, t0.plus(Duration.ofMinutes(minute)), GIB + minute * 100 * MIB, 2 * GIB));
            minute++;
        }
        assertTrue(b.isPresent());
        assertEquals(true, b.get().values().get("projected"));
        long timeToLimit = (Long) b.get().values().get("time_to_limit_s");
        assertTrue(timeToLimit < 30 * 60 && timeToLimit > 28 * 60, "fired as it crossed the horizon: " + timeToLimit);
        assertTrue((Long) b.get().values().get("value") < 10 * GIB, "before the limit itself");
    }

    @Test
    void aNewGenerationStartsANewTrend() {
        MemoryWatch w = new MemoryWatch(new MemoryLimits(10 * GIB, -1, -1, -1, -1, Duration.ofMinutes(30), null));
        for (int minute = 0; minute < 5; minute++) {
            w.check(gpu(1, t0.plus(Duration.ofMinutes(minute)), GIB + minute * 100 * MIB, 2 * GIB));
        }
        w.check(gpu(2, t0.plus(Duration.ofMinutes(6)), GIB, 2 * GIB));
        assertNull(w.summary().get("gpu_growth_bytes_per_hour"), "one sample of the new launch gives no rate");
    }

    @Test
    void oldSamplesLeaveTheWindow() {
        MemoryTrend trend = new MemoryTrend(Duration.ofMinutes(10));
        trend.add(t0, 0);
        trend.add(t0.plus(Duration.ofMinutes(1)), 100 * GIB);   // a spike long ago
        for (int minute = 20; minute <= 25; minute++) {
            trend.add(t0.plus(Duration.ofMinutes(minute)), GIB); // flat since
        }
        assertEquals(0.0, trend.bytesPerHour(), 1e-6);
        assertNull(trend.timeToLimit(GIB, 2 * GIB), "not growing: no projection");
    }
}
