package dev.glyphsupervisor.config;

import java.time.Instant;
import java.time.ZoneId;
import java.util.List;

/** When the liveness probes run: a Quartz cron expression or a fixed interval. */
public sealed interface ProbeSchedule permits CronProbeSchedule, IntervalProbeSchedule {

    /** The next {@code count} fire times strictly after {@code after}; fewer if the schedule ends. */
    List<Instant> nextTimes(Instant after, int count, ZoneId zone);

    /** For people: {@code cron '0 * * * * ?'} or {@code every 10s}. */
    String describe();

    /**
     * Reads the config's {@code probes.schedule} text. Text with spaces is a cron expression (cron needs
     * six or seven fields); text without is a duration. {@link IllegalArgumentException} says which it
     * was taken for and why it is wrong.
     */
    static ProbeSchedule parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("empty schedule; write a Quartz cron expression such as '0 * * * * ?' or an interval such as 10s");
        }
        String trimmed = text.strip();
        if (trimmed.chars().anyMatch(Character::isWhitespace)) {
            return new CronProbeSchedule(trimmed);
        }
        try {
            return new IntervalProbeSchedule(HumanDuration.parse(trimmed));
        } catch (IllegalArgumentException notADuration) {
            throw new IllegalArgumentException(notADuration.getMessage()
                    + " (a cron expression has six or seven fields separated by spaces, e.g. '0 * * * * ?')");
        }
    }
}
