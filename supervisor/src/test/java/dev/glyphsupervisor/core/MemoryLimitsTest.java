package dev.glyphsupervisor.core;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The stateless verdict that the daemon's watch and glyphctl probe both ask. */
class MemoryLimitsTest {

    private static final long GIB = 1L << 30;

    private static MemorySample sample(long treeGpu, long treeRss, long available, MemorySample.Device... devices) {
        return new MemorySample(1, Instant.EPOCH, treeGpu, Map.of(), List.of(devices), null, treeRss, Map.of(), available);
    }

    @Test
    void noLimitIsNeverExceeded() {
        MemoryLimits.Exceeded e = MemoryLimits.NONE.exceeded(sample(100 * GIB, 100 * GIB, 0,
                new MemorySample.Device(0, "GPU-0", 80 * GIB, 80 * GIB)));
        assertEquals(List.of(), e.devices());
        assertFalse(e.treeGpu() || e.treeRss() || e.available());
        assertTrue(MemoryLimits.NONE.deviceLimit(80 * GIB).isEmpty());
    }

    @Test
    void eachLimitIsPastOnlyBeyondItAndNeverOnAFigureNotMeasured() {
        MemoryLimits limits = new MemoryLimits(OptionalLong.of(4 * GIB), Optional.of(total -> total / 2),
                OptionalLong.of(GIB), OptionalLong.of(GIB), Duration.ofMinutes(30), Optional.empty());
        MemorySample.Device under = new MemorySample.Device(0, "GPU-0", 40 * GIB, 80 * GIB);
        MemorySample.Device over = new MemorySample.Device(1, "GPU-1", 21 * GIB, 40 * GIB);
        MemoryLimits.Exceeded atLimits = limits.exceeded(sample(4 * GIB, GIB, GIB, under));
        assertEquals(List.of(), atLimits.devices());
        assertFalse(atLimits.treeGpu() || atLimits.treeRss() || atLimits.available(), "at a limit is not past it");

        MemoryLimits.Exceeded past = limits.exceeded(sample(4 * GIB + 1, GIB + 1, GIB - 1, under, over));
        assertEquals(List.of(new MemoryLimits.DeviceOver(over, 20 * GIB)), past.devices());
        assertTrue(past.treeGpu() && past.treeRss() && past.available());

        MemoryLimits.Exceeded unknown = limits.exceeded(sample(-1, -1, -1));
        assertFalse(unknown.treeGpu() || unknown.treeRss() || unknown.available());
        assertEquals(OptionalLong.of(40 * GIB), limits.deviceLimit(80 * GIB));
    }
}
