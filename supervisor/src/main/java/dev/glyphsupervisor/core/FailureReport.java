package dev.glyphsupervisor.core;

import java.time.Instant;
import java.util.Objects;

/**
 * The server's last failure, kept until it is healthy again, for {@code glyphctl status}: the restart
 * {@code reason} it led to ({@code exited}, {@code startup_timeout}, or the reason of a restart that ended a crash
 * loop), when, whether it came before the launch's first healthy answer, the exit status (null when it did not
 * exit), its {@link Diagnosis}, how many failures in a row were identical to it, and whether that made the
 * supervisor give up retrying at once ({@code hopeless}: a cause no retry can fix, seen often enough).
 */
public record FailureReport(String reason, Instant at, boolean beforeHealthy, Integer exitCode, Diagnosis diagnosis,
                            int identicalFailures, boolean hopeless) {

    public FailureReport {
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(at, "at");
        Objects.requireNonNull(diagnosis, "diagnosis");
    }

    FailureReport givenUp() {
        return new FailureReport(reason, at, beforeHealthy, exitCode, diagnosis, identicalFailures, true);
    }
}
