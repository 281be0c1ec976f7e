package dev.glyphsupervisor.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.glyphsupervisor.config.DataSize;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code glyphctl status}: what the daemon and its server are doing. LSB exit codes. */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = "Show the server's state, restarts, probes and memory.",
        exitCodeListHeading = "Exit codes:%n",
        exitCodeList = {"0:running and healthy", "1:running but degraded, restarting, failed or paused (the output says which)",
                "3:not running (no daemon)", "4:unknown (the daemon's socket is unreachable or its answer unreadable)",
                "2:usage error"})
public final class StatusCommand implements Callable<Integer> {

    @Mixin
    DaemonAddress address;

    @Spec
    CommandSpec spec;

    @Option(names = "--json", description = "Print exactly one JSON document.")
    boolean json;

    @Option(names = "--timeout", paramLabel = "DURATION", description = "How long to wait for the daemon (default: ${DEFAULT-VALUE}).",
            defaultValue = DEFAULT_TIMEOUT, converter = DurationConverter.class)
    Duration timeout;

    static final String DEFAULT_TIMEOUT = "3s";

    @Override
    public Integer call() {
        return status(address, json, timeout, spec.commandLine().getOut(), spec.commandLine().getErr());
    }

    /** The call and its output; also {@link QuickStatus}'s, so that both paths answer alike. */
    static int status(DaemonAddress address, boolean json, Duration timeout, PrintWriter out, PrintWriter err) {
        DaemonCall c = DaemonCall.call(err, address, "status", Map.of(), timeout);
        if (c.answer == null) {
            if (json) {
                out.println("{\"state\":\"" + (c.exit == DaemonCall.EXIT_NOT_RUNNING ? "NOT_RUNNING" : "UNKNOWN") + "\"}");
                out.flush();
            }
            return c.exit;
        }
        JsonNode s = c.answer;
        String state = s.path("state").asText();
        if (json) {
            ((ObjectNode) s).remove("v");
            ((ObjectNode) s).remove("ok");
            out.println(s);
        } else {
            print(out, s, state);
        }
        out.flush();
        return state.equals("RUNNING") ? 0 : 1;
    }

    private static void print(PrintWriter out, JsonNode s, String state) {
        out.println("glyph-supervisor: " + state + " — " + meaning(state, s));
        if (!s.path("pid").isNull()) {
            out.printf("  server      pid %d (pgid %d), generation %d, up %s%n", s.path("pid").asLong(),
                    s.path("pgid").asLong(), s.path("generation").asLong(), human(s.path("uptime_s").asLong()));
        } else {
            out.printf("  server      not running, generation %d%n", s.path("generation").asLong());
        }
        FailureLines.print(out, s.path("last_failure"));
        JsonNode last = s.path("last_restart");
        out.printf("  restarts    %d total, %d in the last 24 h%s%n", s.path("restarts").path("total").asLong(),
                s.path("restarts").path("last_24h").asLong(), last.path("reason").isNull() ? ""
                        : "; last: " + last.path("reason").asText() + " at " + last.path("at").asText()
                        + (last.path("detail").isTextual() ? " (" + last.path("detail").asText() + ")" : ""));
        for (JsonNode p : s.path("probes")) {
            out.printf("  probe       %-8s %-8s %6.1f ms  %s%n", p.path("probe").asText(), p.path("status").asText(),
                    p.path("latency_ms").asDouble(), p.path("detail").asText());
        }
        JsonNode gpu = s.path("gpu");
        if (!gpu.path("tree_bytes").isNull() && !gpu.path("tree_bytes").isMissingNode()) {
            out.printf("  gpu         tree %s%s%s%s%n", bytes(gpu.path("tree_bytes")),
                    gpu.path("limit_bytes").isNull() ? "" : " of " + bytes(gpu.path("limit_bytes")),
                    gpu.path("growth_bytes_per_hour").isNull() ? "" : ", " + bytes(gpu.path("growth_bytes_per_hour")) + "/h",
                    gpu.path("time_to_limit_s").isNull() ? "" : ", limit in " + human(gpu.path("time_to_limit_s").asLong()));
        }
        JsonNode mem = s.path("memory");
        if (!mem.path("tree_rss_bytes").isNull() && !mem.path("tree_rss_bytes").isMissingNode()) {
            out.printf("  memory      tree RSS %s%s, host available %s%n", bytes(mem.path("tree_rss_bytes")),
                    mem.path("limit_bytes").isNull() ? "" : " of " + bytes(mem.path("limit_bytes")),
                    bytes(mem.path("host_available_bytes")));
        }
        if (!s.path("paused_by").isNull()) {
            out.printf("  paused      by %s at %s%n", s.path("paused_by").asText(), s.path("paused_at").asText());
        }
        out.printf("  next probe  %s%s%n", s.path("next_probe").asText("-"),
                s.path("next_maintenance").isNull() ? "" : ", next maintenance " + s.path("next_maintenance").asText());
        out.printf("  config      %s%n  audit       %s%n", s.path("config").asText(), s.path("audit").asText());
    }

    private static String meaning(String state, JsonNode s) {
        return switch (state) {
            case "RUNNING" -> "healthy";
            case "DEGRADED" -> "running, failing probes below the threshold";
            case "STARTING" -> "starting (waiting for the first healthy probe)";
            case "STOPPING" -> "restarting: stopping the old process tree";
            case "BACKOFF" -> "restarting: waiting out the backoff before the next launch";
            case "FAILED" -> FailureLines.gaveUp(s.path("last_failure"))
                    .orElse("crash loop: only a slow retry remains (glyphctl restart retries now)");
            case "PAUSED" -> "stopped on purpose by " + s.path("paused_by").asText() + " (glyphctl start resumes)";
            default -> state.toLowerCase();
        };
    }

    private static String bytes(JsonNode n) {
        return n.isNull() || n.isMissingNode() ? "?" : DataSize.format(n.asLong());
    }

    private static String human(long seconds) {
        Duration d = Duration.ofSeconds(seconds);
        return d.toHours() > 0 ? String.format("%dh %02dm", d.toHours(), d.toMinutesPart())
                : String.format("%dm %02ds", d.toMinutes(), d.toSecondsPart());
    }
}
