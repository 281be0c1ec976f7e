package dev.glyphsupervisor.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.glyphsupervisor.config.HumanDuration;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.Optional;

/**
 * Why the server did not start, in {@code glyphctl status}'s words, from the daemon's {@code last_failure} (absent
 * or null once the server is healthy again, and from an older daemon).
 */
final class FailureLines {

    private FailureLines() {
    }

    /** What FAILED means when the daemon gave up on a cause no retry can fix; empty for a crash loop. */
    static Optional<String> gaveUp(JsonNode f) {
        if (!f.path("hopeless").asBoolean()) {
            return Optional.empty();
        }
        return Optional.of("gave up: the same failure, which no retry can fix, " + f.path("identical_failures").asInt()
                + " times in a row; fix it, and the next slow retry (every "
                + HumanDuration.format(Duration.ofSeconds(f.path("retry_every_s").asLong()))
                + ") picks it up (glyphctl restart retries now)");
    }

    /** The decisive line, then the cause and what it means, then where the whole output is. */
    static void print(PrintWriter out, JsonNode f) {
        if (!f.isObject()) {
            return;
        }
        String line = f.path("cause_line").isTextual() ? f.path("cause_line").asText() : null;
        String what = switch (f.path("reason").asText()) {
            case "exited" -> f.path("before_healthy").asBoolean() ? "the launch script failed" : "the server exited";
            case "startup_timeout" -> "not healthy within the startup timeout";
            case "unhealthy" -> "the server failed its health checks";
            default -> "the server failed (" + f.path("reason").asText() + ")";
        };
        out.printf("  failure     %s%n", what + (line == null ? ", and wrote nothing to its log" : ": " + line));
        StringBuilder cause = new StringBuilder(f.path("cause").asText());
        if (f.path("explanation").isTextual()) {
            cause.append(" (").append(f.path("explanation").asText()).append(')');
        }
        if (f.path("exit_code").isIntegralNumber()) {
            cause.append("; exit ").append(f.path("exit_code").asInt());
        }
        int identical = f.path("identical_failures").asInt(1);
        if (identical > 1) {
            cause.append("; ").append(identical).append(" identical failures in a row");
        }
        if (!f.path("retry").asBoolean(true)) {
            cause.append("; no retry can fix this");
        }
        out.printf("  cause       %s%n", cause);
        out.printf("  log         %s%n", f.path("runtime_log").asText());
    }
}
