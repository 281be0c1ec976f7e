package dev.glyphsupervisor.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** HumanDuration and DataSize: what they accept, what they say about what they refuse, and exact round trips. */
class ValueTypesTest {

    @Test
    void parsesDurations() {
        assertEquals(Duration.ofMillis(500), HumanDuration.parse("500ms"));
        assertEquals(Duration.ofSeconds(30), HumanDuration.parse("30s"));
        assertEquals(Duration.ofMinutes(5), HumanDuration.parse("5m"));
        assertEquals(Duration.ofHours(2), HumanDuration.parse("2h"));
        assertEquals(Duration.ofDays(1), HumanDuration.parse("1d"));
        assertEquals(Duration.ofSeconds(90), HumanDuration.parse("1m30s"));
        assertEquals(Duration.ofMillis(1500), HumanDuration.parse("1.5s"));
        assertEquals(Duration.ZERO, HumanDuration.parse("0"));
    }

    @Test
    void refusesBadDurationsSayingWhy() {
        assertDurationRefused("30 seconds", "'30 seconds': unknown unit 'seconds'; use ms, s, m, h or d (e.g. 500ms, 30s, 5m, 1m30s)");
        assertDurationRefused("-5s", "'-5s': negative durations are not allowed");
        assertDurationRefused("10", "'10': missing unit; write e.g. 10s or 10ms (units: ms, s, m, h, d)");
        assertDurationRefused("30s1m", "'30s1m': units must go from the largest to the smallest, each once (e.g. 1h30m)");
        assertDurationRefused("soon", "'soon': not a duration; use ms, s, m, h or d (e.g. 500ms, 30s, 5m, 1m30s)");
        assertDurationRefused("", "empty duration; use ms, s, m, h or d (e.g. 500ms, 30s, 5m, 1m30s)");
    }

    private static void assertDurationRefused(String text, String message) {
        assertEquals(message, assertThrows(IllegalArgumentException.class, () -> HumanDuration.parse(text)).getMessage());
    }

    @Test
    void formatsDurationsExactly() {
        assertEquals("0s", HumanDuration.format(Duration.ZERO));
        assertEquals("500ms", HumanDuration.format(Duration.ofMillis(500)));
        assertEquals("1m30s", HumanDuration.format(Duration.ofSeconds(90)));
        assertEquals("1d2h3m4s5ms", HumanDuration.format(Duration.parse("P1DT2H3M4.005S")));
        assertEquals("0.25ms", HumanDuration.format(Duration.ofNanos(250_000)));
        for (Duration d : new Duration[] {Duration.ofNanos(1), Duration.ofMillis(123_456_789), Duration.ofDays(400)}) {
            assertEquals(d, HumanDuration.parse(HumanDuration.format(d)));
        }
    }

    @Test
    void parsesSizes() {
        assertEquals(512, DataSize.parse("512"));
        assertEquals(512, DataSize.parse("512B"));
        assertEquals(64L * 1024, DataSize.parse("64KiB"));
        assertEquals(7L * (1L << 30) + (1L << 29), DataSize.parse("7.5GiB"));
        assertEquals(10_000_000L, DataSize.parse("10MB"));
        assertEquals(1000, DataSize.parse("1KB"));
        assertEquals(64L << 20, DataSize.parse("64 MiB"));
    }

    @Test
    void refusesBadSizesSayingWhy() {
        assertSizeRefused("7.5 gigs", "'7.5 gigs': unknown unit 'gigs'; use B, KB, MB, GB, TB (powers of 1000) "
                + "or KiB, MiB, GiB, TiB (powers of 1024), e.g. 64MiB");
        assertSizeRefused("-1KiB", "'-1KiB': negative sizes are not allowed");
        assertSizeRefused("1.5B", "'1.5B': not a whole number of bytes");
        assertSizeRefused("9999999TiB", "'9999999TiB': too large");
        assertSizeRefused("lots", "'lots': not a size; use B, KB, MB, GB, TB (powers of 1000) "
                + "or KiB, MiB, GiB, TiB (powers of 1024), e.g. 64MiB");
    }

    private static void assertSizeRefused(String text, String message) {
        assertEquals(message, assertThrows(IllegalArgumentException.class, () -> DataSize.parse(text)).getMessage());
    }

    @Test
    void formatsSizesExactly() {
        assertEquals("64MiB", DataSize.format(64L << 20));
        assertEquals("7.5GiB", DataSize.format(DataSize.parse("7.5GiB")));
        assertEquals("10MB", DataSize.format(10_000_000L));
        assertEquals("1.5KB", DataSize.format(1500));
        assertEquals("512B", DataSize.format(512));
        assertEquals("0B", DataSize.format(0));
        for (long bytes : new long[] {1, 1023, 1025, 123_456_789, Long.MAX_VALUE}) {
            assertEquals(bytes, DataSize.parse(DataSize.format(bytes)));
        }
    }
}
