package dev.glyphsupervisor.config;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * How a failed server is brought back.
 *
 * @param backoffInitial delay before the first relaunch; doubles (with jitter) up to {@code backoffMax}
 * @param backoffReset   a healthy spell this long resets the delay to {@code backoffInitial}
 * @param killTimeout    after SIGKILL, how long to wait for the whole process tree to vanish
 * @param releaseTimeout after the stop, how long to wait for the port (and GPU memory) to be free
 * @param maintenance    a Quartz cron for planned restarts, if any
 * @param maintenanceSkipWithin a planned restart is skipped when the server was launched this recently
 * @param causes         the user's rows of the start-failure cause table, tried before the built-in ones
 * @param hopelessAfter  identical failures in a row, before a first healthy answer, of a cause no retry can fix, that
 *                       make the server FAILED (with the slow retry) without waiting for the crash-loop budget
 */
public record RestartConfig(Duration backoffInitial, Duration backoffMax, Duration backoffReset,
        CrashLoopConfig crashLoop, Duration killTimeout, Duration releaseTimeout, Optional<CronProbeSchedule> maintenance,
        Duration maintenanceSkipWithin, List<CauseConfig> causes, int hopelessAfter) {

    public static final Duration DEFAULT_BACKOFF_INITIAL = Duration.ofSeconds(2);
    public static final Duration DEFAULT_BACKOFF_MAX = Duration.ofMinutes(5);
    public static final Duration DEFAULT_BACKOFF_RESET = Duration.ofMinutes(5);
    public static final Duration DEFAULT_KILL_TIMEOUT = Duration.ofSeconds(10);
    public static final Duration DEFAULT_RELEASE_TIMEOUT = Duration.ofSeconds(30);
    public static final Duration DEFAULT_MAINTENANCE_SKIP_WITHIN = Duration.ofHours(1);
    public static final int DEFAULT_HOPELESS_AFTER = 2;

    public RestartConfig {
        Objects.requireNonNull(backoffInitial, "backoffInitial");
        Objects.requireNonNull(backoffMax, "backoffMax");
        Objects.requireNonNull(backoffReset, "backoffReset");
        Objects.requireNonNull(crashLoop, "crashLoop");
        Objects.requireNonNull(killTimeout, "killTimeout");
        Objects.requireNonNull(releaseTimeout, "releaseTimeout");
        Objects.requireNonNull(maintenance, "maintenance");
        Objects.requireNonNull(maintenanceSkipWithin, "maintenanceSkipWithin");
        causes = List.copyOf(Objects.requireNonNull(causes, "causes"));
    }
}
