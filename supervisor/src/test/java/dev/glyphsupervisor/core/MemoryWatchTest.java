package dev.glyphsupervisor.core;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Limits, growth rates and projections on a fake clock. */
class MemoryWatchTest {

    private static final long MIB = 1L << 20;
    private static final long GIB = 1L << 30;
    private final Instant t0 = Instant.parse("2026-11-26T12:00:00Z");

    /** The limits in the test's shorthand: -1 (or null) for none. */
    private static MemoryLimits limits(long treeGpu, double deviceShare, long treeRss, long minAvailable,
                                       Duration earlyRestart) {
        return new MemoryLimits(some(treeGpu),
                deviceShare < 0 ? Optional.empty() : Optional.of(total -> (long) (deviceShare * total)),
                some(treeRss), some(minAvailable), Duration.ofMinutes(30), Optional.ofNullable(earlyRestart));
    }

    private static OptionalLong some(long bytes) {
        return bytes < 0 ? OptionalLong.empty() : OptionalLong.of(bytes);
    }

    private static MemorySample gpu(long generation, Instant at, long treeGpu, long deviceUsed) {
        return new MemorySample(generation, at, treeGpu, Map.of(42L, treeGpu),
                List.of(new MemorySample.Device(0, "GPU-x", deviceUsed, 80 * GIB)), null, -1, Map.of(), -1);
    }

    private static MemorySample host(long generation, Instant at, long rss, long available) {
        return new MemorySample(generation, at, -1, Map.of(), List.of(), null, rss, Map.of(42L, rss), available);
    }

    @Test
    void treeGpuOverTheLimitIsAGpuMemoryBreachWithTheValues() {
        MemoryWatch w = new MemoryWatch(limits(4 * GIB, -1, -1, -1, null));
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
        MemoryWatch w = new MemoryWatch(limits(-1, 0.95, -1, -1, null));
        assertTrue(w.check(gpu(1, t0, GIB, 76 * GIB)).isEmpty());
        MemoryBreach b = w.check(gpu(1, t0.plusSeconds(1), GIB, 77 * GIB)).orElseThrow();
        assertEquals("device_memory", b.values().get("metric"));
        assertEquals((long) (0.95 * 80 * GIB), b.values().get("limit"));
    }

    @Test
    void unknownGpuValuesNeverBreach() {
        MemoryWatch w = new MemoryWatch(limits(GIB, -1, -1, -1, null));
        MemorySample unknown = new MemorySample(1, t0, -1, Map.of(), List.of(), "libnvidia-ml.so.1 not found",
                -1, Map.of(), -1);
        assertTrue(w.check(unknown).isEmpty());
    }

    @Test
    void hostRssAndAvailableLimitsAreHostMemoryBreaches() {
        MemoryWatch w = new MemoryWatch(limits(-1, -1, 400 * MIB, GIB, null));
        assertEquals("tree_rss", w.check(host(1, t0, 401 * MIB, 8 * GIB)).orElseThrow().values().get("metric"));
        MemoryBreach low = w.check(host(1, t0, 100 * MIB, GIB - 1)).orElseThrow();
        assertEquals("host_memory", low.reason());
        assertEquals("host_available", low.values().get("metric"));
    }

    @Test
    void growthRateIsFittedOverTheWindowAndProjectsTheTimeToTheLimit() {
        MemoryWatch w = new MemoryWatch(limits(10 * GIB, -1, -1, -1, null));
        for (int minute = 0; minute <= 10; minute++) {          // +100 MiB a minute = 6000 MiB an hour
            w.check(gpu(1, t0.plus(Duration.ofMinutes(minute)), 4 * GIB + minute * 100 * MIB, 5 * GIB));
        }
        MemoryWatch.Summary s = w.summary().orElseThrow();
        assertEquals(OptionalLong.of(6000 * MIB), s.gpuGrowthPerHour());
        long remaining = 10 * GIB - (4 * GIB + 1000 * MIB);
        assertEquals(OptionalLong.of(remaining * 60 / (100 * MIB)), s.gpuSecondsToLimit());
    }

    @Test
    void earlyRestartFiresWhenTheProjectionFallsInsideTheHorizon() {
        MemoryWatch w = new MemoryWatch(limits(10 * GIB, -1, -1, -1, Duration.ofMinutes(30)));
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
        MemoryWatch w = new MemoryWatch(limits(10 * GIB, -1, -1, -1, null));
        for (int minute = 0; minute < 5; minute++) {
            w.check(gpu(1, t0.plus(Duration.ofMinutes(minute)), GIB + minute * 100 * MIB, 2 * GIB));
        }
        w.check(gpu(2, t0.plus(Duration.ofMinutes(6)), GIB, 2 * GIB));
        assertTrue(w.summary().orElseThrow().gpuGrowthPerHour().isEmpty(), "one sample of the new launch gives no rate");
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

    /** One 80 GiB device: the tree holds {@code tree}, the others are listed by pid, the rest is unowned. */
    private static MemorySample shared(long generation, Instant at, long tree, long used, Map<Long, Long> others) {
        return new MemorySample(generation, at, tree, Map.of(42L, tree),
                List.of(new MemorySample.Device(0, "GPU-x", used, 80 * GIB, tree, others, 1 + others.size())), null,
                -1, Map.of(), -1);
    }

    /**
     * Issue 13: a flat tree's "time to limit" read 7366954511634469 s, the rounding error of a least-squares fit in
     * absolute bytes. Flat is a rate of exactly zero and no projection; shrinking, no projection either.
     */
    @Test
    void aFlatOrShrinkingTreeNeverReachesItsLimit() {
        MemoryWatch w = new MemoryWatch(limits(4 * GIB, -1, -1, -1, null));
        for (int i = 0; i < 600; i++) {                          // ten minutes of 1 s cycles at 582 MiB
            w.check(gpu(1, t0.plusMillis(i * 1000L + (i % 7) * 13), 582 * MIB + 610_271_232L % 4096, 10 * GIB));
        }
        assertEquals(OptionalLong.of(0), w.summary().orElseThrow().gpuGrowthPerHour());
        assertTrue(w.summary().orElseThrow().gpuSecondsToLimit().isEmpty());
        for (int i = 0; i < 10; i++) {
            w.check(gpu(1, t0.plusSeconds(600 + i), 582 * MIB - i * MIB, 10 * GIB));
        }
        assertTrue(w.summary().orElseThrow().gpuGrowthPerHour().getAsLong() < 0);
        assertTrue(w.summary().orElseThrow().gpuSecondsToLimit().isEmpty());
    }

    @Test
    void aProjectionBeyondAYearIsNever() {
        MemoryTrend trend = new MemoryTrend(Duration.ofMinutes(30));
        for (int minute = 0; minute <= 10; minute++) {           // 4 KiB a minute: 1 GiB in ~half a year... of 100 GiB
            trend.add(t0.plus(Duration.ofMinutes(minute)), GIB + minute * 4096L);
        }
        assertTrue(trend.bytesPerHour() > 0);
        assertNull(trend.timeToLimit(GIB, 100 * GIB));
        assertEquals(Duration.ofMinutes(60), trend.timeToLimit(GIB, GIB + 60 * 4096L).truncatedTo(java.time.temporal.ChronoUnit.MINUTES));
    }

    /** The status and the audit know which launch a reading belongs to, and when it was taken. */
    @Test
    void theSummarySaysWhichGenerationAndWhen() {
        MemoryWatch w = new MemoryWatch(limits(4 * GIB, -1, -1, -1, null));
        assertTrue(w.summary().isEmpty());
        w.check(gpu(3, t0, GIB, 2 * GIB));
        assertEquals(3L, w.summary().orElseThrow().generation());
        assertEquals(t0, w.summary().orElseThrow().at());
    }

    /**
     * max_device_memory: the device is shared. A foreign job that pushes it over its limit restarts nothing, since
     * restarting the server cannot bring it back under (it is noted instead, with who holds what); the server's own
     * growth since its first reading, once it is at least the overshoot, restarts it.
     */
    @Test
    void theDeviceLimitRestartsOnlyWhereARestartBringsTheDeviceBackUnderIt() {
        MemoryWatch w = new MemoryWatch(limits(-1, 0.5, -1, -1, null));
        assertTrue(w.check(shared(1, t0, 2 * GIB, 2 * GIB, Map.of())).isEmpty());          // first reading: 2 GiB
        assertTrue(w.deviceOverLimit().isEmpty());

        Optional<MemoryBreach> b = w.check(shared(1, t0.plusSeconds(1), 2 * GIB, 47 * GIB, Map.of(7L, 45 * GIB)));
        assertTrue(b.isEmpty(), "the notebook's 45 GiB is no reason to restart a server that holds 2 GiB");
        DeviceOverLimit over = w.deviceOverLimit().orElseThrow();
        assertEquals(List.of(0), over.devices());
        @SuppressWarnings("unchecked")
        Map<String, Object> device = ((List<Map<String, Object>>) over.values().get("devices")).get(0);
        assertEquals(Map.of("7", 45 * GIB), device.get("others"));
        assertEquals(7 * GIB, device.get("over_by"));
        assertEquals(0L, device.get("tree_growth"));

        // The server grows 4 GiB: the notebook alone is over the limit, so no restart of the server can help.
        assertTrue(w.check(shared(1, t0.plusSeconds(2), 6 * GIB, 51 * GIB, Map.of(7L, 45 * GIB))).isEmpty());
        // The notebook shrinks to 30 GiB and the server grows to 12 GiB: 42 GiB, 2 over the limit. Back at its first
        // 2 GiB the device would hold 32: a restart helps, and it is the server's own growth that is over.
        MemoryBreach own = w.check(shared(1, t0.plusSeconds(3), 12 * GIB, 42 * GIB, Map.of(7L, 30 * GIB))).orElseThrow();
        assertEquals("device_memory", own.values().get("metric"));
        assertEquals(10 * GIB, own.values().get("tree_growth"));
        assertEquals(Map.of("7", 30 * GIB), own.values().get("others"));
        assertTrue(w.deviceOverLimit().isEmpty());

        // Alone on the device, the server over its limit is the server's doing.
        MemoryWatch alone = new MemoryWatch(limits(-1, 0.5, -1, -1, null));
        alone.check(shared(1, t0, 2 * GIB, 2 * GIB, Map.of()));
        assertTrue(alone.check(shared(1, t0.plusSeconds(1), 41 * GIB, 41 * GIB, Map.of())).isPresent());
    }

    /** Where NVML cannot say whose the memory is, the device limit is the only protection: it restarts, as before. */
    @Test
    void aDeviceWhoseMemoryCannotBeAttributedStillRestartsAtItsLimit() {
        MemoryWatch w = new MemoryWatch(limits(-1, 0.5, -1, -1, null));
        MemorySample noPids = new MemorySample(1, t0, 0, Map.of(),
                List.of(new MemorySample.Device(0, "GPU-x", 41 * GIB, 80 * GIB, 0, Map.of(), 0)), null, -1, Map.of(), -1);
        MemoryBreach b = w.check(noPids).orElseThrow();
        assertEquals(false, b.values().get("attributable"));
    }

    /** What a launch must find free: the server's size at the first reading of the latest generation read. */
    @Test
    void theFootprintIsTheFirstReadingOfTheLatestGenerationRead() {
        MemoryWatch w = new MemoryWatch(MemoryLimits.NONE);
        assertEquals(Map.of(), w.footprint());
        w.check(shared(1, t0, 20 * GIB, 20 * GIB, Map.of()));
        w.check(shared(1, t0.plusSeconds(1), 30 * GIB, 30 * GIB, Map.of()));       // it grew: a leak, not its need
        assertEquals(Map.of(0, 20 * GIB), w.footprint());
        // generation 2 launched but not yet read: the last known footprint stands
        w.check(shared(3, t0.plusSeconds(9), 18 * GIB, 18 * GIB, Map.of()));
        assertEquals(Map.of(0, 18 * GIB), w.footprint());
    }
}
