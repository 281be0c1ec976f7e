package dev.glyphsupervisor.config;

import java.time.Duration;
import java.util.Objects;

/**
 * How a failed server is brought back.
 *
 * @param backoffInitial delay before the first relaunch; doubles (with jitter) up to {@code backoffMax}
 * @param backoffReset   a healthy spell this long resets the delay to {@code backoffInitial}
 * @param killTimeout    after SIGKILL, how long to wait for the whole process tree to vanish
 * @param releaseTimeout after the stop, how long to wait for the port (and GPU memory) to be free
 */
public record RestartConfig(Duration backoffInitial, Duration backoffMax, Duration backoffReset,
        CrashLoopConfig crashLoop, Duration killTimeout, Duration releaseTimeout) {

    public RestartConfig {
        Objects.requireNonNull(backoffInitial, "backoffInitial");
        Objects.requireNonNull(backoffMax, "backoffMax");
        Objects.requireNonNull(backoffReset, "backoffReset");
        Objects.requireNonNull(crashLoop, "crashLoop");
        Objects.requireNonNull(killTimeout, "killTimeout");
        Objects.requireNonNull(releaseTimeout, "releaseTimeout");
    }
}
