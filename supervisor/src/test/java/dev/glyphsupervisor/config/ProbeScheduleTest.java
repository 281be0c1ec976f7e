package dev.glyphsupervisor.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProbeScheduleTest {

    private static final ZoneId UTC = ZoneId.of("UTC");

    @Test
    void cronEveryMinuteFiresAtTheNextMinutesStrictlyAfter() {
        ProbeSchedule schedule = new CronProbeSchedule("0 * * * * ?");

        assertEquals(List.of(Instant.parse("2026-03-01T10:01:00Z"), Instant.parse("2026-03-01T10:02:00Z"),
                        Instant.parse("2026-03-01T10:03:00Z")),
                schedule.nextTimes(Instant.parse("2026-03-01T10:00:00Z"), 3, UTC), "a fire time equal to 'after' is not next");
        assertEquals(List.of(Instant.parse("2026-03-01T10:01:00Z")),
                schedule.nextTimes(Instant.parse("2026-03-01T10:00:59.999Z"), 1, UTC));
    }

    @Test
    void cronIsEvaluatedInTheGivenZone() {
        ProbeSchedule daily = new CronProbeSchedule("0 30 2 * * ?");
        Instant after = Instant.parse("2026-01-15T00:00:00Z");

        assertEquals(List.of(Instant.parse("2026-01-15T02:30:00Z")), daily.nextTimes(after, 1, UTC));
        // 02:30 in Berlin (UTC+1 in January) is 01:30 UTC.
        assertEquals(List.of(Instant.parse("2026-01-15T01:30:00Z"), Instant.parse("2026-01-16T01:30:00Z")),
                daily.nextTimes(after, 2, ZoneId.of("Europe/Berlin")));
    }

    @Test
    void cronThatEndsReturnsFewerTimes() {
        ProbeSchedule once = new CronProbeSchedule("0 0 12 1 1 ? 2027");

        assertEquals(List.of(Instant.parse("2027-01-01T12:00:00Z")), once.nextTimes(Instant.parse("2026-06-01T00:00:00Z"), 3, UTC));
    }

    @Test
    void intervalCountsFromAfter() {
        ProbeSchedule schedule = new IntervalProbeSchedule(Duration.ofMillis(1500));
        Instant after = Instant.parse("2026-03-01T10:00:00.250Z");

        assertEquals(List.of(Instant.parse("2026-03-01T10:00:01.750Z"), Instant.parse("2026-03-01T10:00:03.250Z")),
                schedule.nextTimes(after, 2, UTC));
    }

    @Test
    void describesItself() {
        assertEquals("cron '0 * * * * ?'", new CronProbeSchedule("0 * * * * ?").describe());
        assertEquals("every 10s", new IntervalProbeSchedule(Duration.ofSeconds(10)).describe());
        assertEquals("every 1m30s", new IntervalProbeSchedule(Duration.ofSeconds(90)).describe());
    }

    @Test
    void parseTellsCronFromInterval() {
        assertEquals(new CronProbeSchedule("0 */5 * * * ?"), ProbeSchedule.parse(" 0 */5 * * * ? "));
        assertEquals(new IntervalProbeSchedule(Duration.ofMillis(500)), ProbeSchedule.parse("500ms"));
    }

    @Test
    void refusesWhatQuartzRefuses() {
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> new CronProbeSchedule("0 61 * * * ?"));
        assertEquals("'0 61 * * * ?' is not a valid Quartz cron expression: Minute and Second values must be between 0 and 59",
                refused.getMessage());
    }

    @Test
    void aCrontabLineIsNamedAsOneWithItsQuartzForm() {
        IllegalArgumentException hourly = assertThrows(IllegalArgumentException.class, () -> new CronProbeSchedule("0 * * * *"));
        assertEquals("'0 * * * *' has 5 fields, like a crontab line; a Quartz cron expression has 6 or 7, seconds first: "
                + "write '0 0 * * * ?'", hourly.getMessage());
        // crontab's Monday is 1, Quartz's is 2: no rewrite offered where the day of the week is given
        IllegalArgumentException mondays = assertThrows(IllegalArgumentException.class, () -> new CronProbeSchedule("30 4 * * 1"));
        assertEquals("'30 4 * * 1' has 5 fields, like a crontab line; a Quartz cron expression has 6 or 7, seconds first "
                + "(e.g. '0 * * * * ?' for every minute)", mondays.getMessage());
    }

    @Test
    void refusesAnEmptyInterval() {
        assertThrows(IllegalArgumentException.class, () -> new IntervalProbeSchedule(Duration.ZERO));
    }
}
