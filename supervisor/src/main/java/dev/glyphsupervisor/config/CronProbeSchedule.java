package dev.glyphsupervisor.config;

import java.text.ParseException;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Objects;
import java.util.TimeZone;
import org.quartz.CronExpression;

/**
 * A Quartz cron expression (seconds first: {@code 0 * * * * ?} is the start of every minute). Validated
 * by Quartz itself at construction, so the scheduler can never be handed one it refuses.
 */
public record CronProbeSchedule(String expression) implements ProbeSchedule {

    public CronProbeSchedule {
        Objects.requireNonNull(expression, "expression");
        String[] fields = expression.strip().split("\\s+");
        if (fields.length == 5) {
            // A crontab line (minute first): Quartz's own message for it is "Unexpected end of expression."
            throw new IllegalArgumentException("'" + expression + "' has 5 fields, like a crontab line; a Quartz cron "
                    + "expression has 6 or 7, seconds first" + crontabEquivalent(fields));
        }
        try {
            CronExpression.validateExpression(expression);
        } catch (ParseException invalid) {
            throw new IllegalArgumentException("'" + expression + "' is not a valid Quartz cron expression: "
                    + invalid.getMessage());
        }
    }

    /**
     * The Quartz form of a crontab line whose day-of-week is '*': a leading seconds field, and '?' for the
     * day of the week (Quartz wants one of the two day fields to be '?'). Other day-of-week values are left to
     * the user: crontab counts Sunday as 0, Quartz as 1.
     */
    private static String crontabEquivalent(String[] crontab) {
        if (!crontab[4].equals("*")) {
            return " (e.g. '0 * * * * ?' for every minute)";
        }
        return ": write '0 " + crontab[0] + " " + crontab[1] + " " + crontab[2] + " " + crontab[3] + " ?'";
    }

    @Override
    public List<Instant> nextTimes(Instant after, int count, ZoneId zone) {
        CronExpression cron = parsed();
        cron.setTimeZone(TimeZone.getTimeZone(zone));
        List<Instant> times = new ArrayList<>(count);
        Date cursor = Date.from(after);
        while (times.size() < count) {
            // Quartz answers the next fire time strictly after the given one (second resolution), or null
            // when the expression has no more (e.g. a bounded year field).
            cursor = cron.getNextValidTimeAfter(cursor);
            if (cursor == null) {
                break;
            }
            times.add(cursor.toInstant());
        }
        return times;
    }

    @Override
    public String describe() {
        return "cron '" + expression + "'";
    }

    /** A fresh CronExpression each time: Quartz's class is mutable (time zone) and not thread-safe. */
    private CronExpression parsed() {
        try {
            return new CronExpression(expression);
        } catch (ParseException validatedInConstructor) {
            throw new IllegalStateException(validatedInConstructor);
        }
    }
}
