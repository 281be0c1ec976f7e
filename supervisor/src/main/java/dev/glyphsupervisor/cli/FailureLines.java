package dev.glyphsupervisor.cli;

import dev.glyphsupervisor.config.HumanDuration;
import dev.glyphsupervisor.control.StatusReply;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.Optional;

/**
 * Why the server did not start, in {@code glyphctl status}'s words, from the daemon's {@code last_failure} (null
 * once the server is healthy again, and from an older daemon).
 */
final class FailureLines {

    private FailureLines() {
    }

    /** What FAILED means when the daemon gave up on a cause no retry can fix; empty for a crash loop. */
    static Optional<String> gaveUp(StatusReply.LastFailure f) {
        if (f == null || !f.hopeless()) {
            return Optional.empty();
        }
        return Optional.of("gave up: the same failure, which no retry can fix, " + f.identicalFailures()
                + " times in a row; fix it, and the next slow retry (every "
                + HumanDuration.format(Duration.ofSeconds(f.retryEveryS()))
                + ") picks it up (glyphctl restart retries now)");
    }

    /** The decisive line, then the cause and what it means, then where the whole output is. */
    static void print(PrintWriter out, StatusReply.LastFailure f) {
        if (f == null) {
            return;
        }
        String line = f.causeLine();
        String what = switch (f.reason()) {
            case "exited" -> f.beforeHealthy() ? "the launch script failed" : "the server exited";
            case "startup_timeout" -> "not healthy within the startup timeout";
            case "unhealthy" -> "the server failed its health checks";
            default -> "the server failed (" + f.reason() + ")";
        };
        out.printf("  failure     %s%n", what + (line == null ? ", and wrote nothing to its log" : ": " + line));
        StringBuilder cause = new StringBuilder(f.cause());
        if (f.explanation() != null) {
            cause.append(" (").append(f.explanation()).append(')');
        }
        if (f.exitCode() != null) {
            cause.append("; exit ").append(f.exitCode().intValue());
        }
        int identical = f.identicalFailures();
        if (identical > 1) {
            cause.append("; ").append(identical).append(" identical failures in a row");
        }
        if (!f.retry()) {
            cause.append("; no retry can fix this");
        }
        out.printf("  cause       %s%n", cause);
        out.printf("  log         %s%n", f.runtimeLog());
    }
}
