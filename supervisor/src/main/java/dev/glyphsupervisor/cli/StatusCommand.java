package dev.glyphsupervisor.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
        if (s.path("probes_current").isBoolean() && !s.path("probes_current").asBoolean() && !s.path("probes").isEmpty()) {
            out.printf("  probe       the last results are generation %d's:%n", s.path("probes_generation").asLong());
        }
        for (JsonNode p : s.path("probes")) {
            out.printf("  probe       %-8s %-8s %6.1f ms  %s%n", p.path("probe").asText(), p.path("status").asText(),
                    p.path("latency_ms").asDouble(), p.path("detail").asText());
        }
        printGpu(out, s);
        printHostMemory(out, s);
        JsonNode refused = s.path("launch_refused");
        if (refused.isObject()) {
            out.printf("  waiting     launch refused (%s) at %s, attempt %d; next try at %s: %s%n",
                    refused.path("cause").asText(), refused.path("at").asText(), refused.path("attempt").asLong(),
                    refused.path("retry_at").asText(), refused.path("detail").asText());
        }
        if (!s.path("paused_by").isNull()) {
            out.printf("  paused      by %s at %s%n", s.path("paused_by").asText(), s.path("paused_at").asText());
        }
        out.printf("  next probe  %s%s%n", s.path("next_probe").asText("-"),
                s.path("next_maintenance").isNull() ? "" : ", next maintenance " + s.path("next_maintenance").asText());
        out.printf("  config      %s%n  audit       %s%n", s.path("config").asText(), s.path("audit").asText());
    }

    /**
     * The GPU lines, when probes.gpu is configured: the server's tree against its limit with its trend (the current
     * generation's reading only), then each watched device, read now: used of total, its limit, and who holds it.
     */
    private static void printGpu(PrintWriter out, JsonNode s) {
        JsonNode gpu = s.path("gpu");
        if (!configured(gpu, "tree_bytes")) {
            return;
        }
        JsonNode devices = gpu.path("devices");
        String unknown = gpu.path("unknown").isTextual() ? gpu.path("unknown").asText() : null;
        if (gpu.path("tree_bytes").isNumber()) {
            out.printf("  gpu         server %s%s%s%n", Bytes.human(gpu.path("tree_bytes").asLong()),
                    gpu.path("limit_bytes").isNumber() ? " of " + Bytes.human(gpu.path("limit_bytes").asLong()) : "",
                    trend(gpu.path("growth_bytes_per_hour"), gpu.path("limit_bytes").isNumber(), gpu.path("time_to_limit_s")));
        } else if (unknown != null && devices.isEmpty()) {
            out.printf("  gpu         unreadable: %s%n", unknown);
        } else if (unknown != null && isCurrent(gpu)) {
            out.printf("  gpu         server n/a: %s%n", unknown);
        } else {
            out.printf("  gpu         %s%n", noReading(s, gpu.path("reading")));
        }
        for (JsonNode d : devices) {
            out.printf("  gpu %-7d %s used of %s%s: %s%n", d.path("index").asInt(), Bytes.human(d.path("used").asLong()),
                    Bytes.human(d.path("total").asLong()),
                    d.path("limit").isNumber() ? " (limit " + Bytes.human(d.path("limit").asLong()) + ")" : "",
                    holders(d));
        }
    }

    /** The server's share of a device, then the other processes (largest first) and the memory no one is listed for. */
    private static String holders(JsonNode d) {
        StringBuilder sb = new StringBuilder(d.path("tree").isNumber()
                ? "server " + Bytes.human(d.path("tree").asLong()) : "server not running");
        java.util.List<java.util.Map.Entry<String, Long>> others = new java.util.ArrayList<>();
        d.path("others").fields().forEachRemaining(e -> others.add(java.util.Map.entry(e.getKey(), e.getValue().asLong())));
        if (!others.isEmpty()) {
            others.sort((a, b) -> Long.compare(b.getValue(), a.getValue()));
            long sum = others.stream().mapToLong(e -> Math.max(0, e.getValue())).sum();
            java.util.List<String> named = new java.util.ArrayList<>();
            for (int i = 0; i < Math.min(3, others.size()); i++) {
                named.add("pid " + others.get(i).getKey() + " " + Bytes.human(others.get(i).getValue()));
            }
            sb.append(", others ").append(Bytes.human(sum)).append(" (").append(String.join(", ", named))
                    .append(others.size() > 3 ? ", " + (others.size() - 3) + " more" : "").append(')');
        }
        if (d.path("unowned").asLong() > 0) {
            sb.append(", unlisted ").append(Bytes.human(d.path("unowned").asLong()));
        }
        return sb.toString();
    }

    private static void printHostMemory(PrintWriter out, JsonNode s) {
        JsonNode mem = s.path("memory");
        if (!configured(mem, "tree_rss_bytes")) {
            return;
        }
        if (mem.path("tree_rss_bytes").isNumber()) {
            out.printf("  memory      server RSS %s%s, host available %s%n", Bytes.human(mem.path("tree_rss_bytes").asLong()),
                    mem.path("limit_bytes").isNumber() ? " of " + Bytes.human(mem.path("limit_bytes").asLong()) : "",
                    mem.path("host_available_bytes").isNumber() ? Bytes.human(mem.path("host_available_bytes").asLong()) : "n/a");
        } else {
            out.printf("  memory      %s%n", noReading(s, mem.path("reading")));
        }
    }

    /** Configured per the daemon, or (a daemon from before "configured") a figure of it present. */
    private static boolean configured(JsonNode block, String figure) {
        return block.has("configured") ? block.path("configured").asBoolean()
                : block.path(figure).isNumber() && block.path(figure).asLong() >= 0;
    }

    private static boolean isCurrent(JsonNode block) {
        return block.path("reading").path("current").asBoolean(false);
    }

    /** Why there is no figure: no reading yet, or the last one was of an earlier generation (or of a stopped server). */
    private static String noReading(JsonNode s, JsonNode reading) {
        long generation = s.path("generation").asLong();
        boolean running = !s.path("pid").isNull();
        if (!reading.isObject()) {
            return running ? "no reading of generation " + generation + " yet" : "no reading yet";
        }
        String last = "generation " + reading.path("generation").asLong() + "'s, at " + reading.path("at").asText();
        return running ? "no reading of generation " + generation + " yet (the last one was " + last + ")"
                : "server not running (the last reading was " + last + ")";
    }

    /** ", growing 1.2 GiB/h, limit in 3h 05m", ", flat, limit never", ", shrinking 12.0 MiB/h"; empty while unknown. */
    private static String trend(JsonNode growth, boolean limited, JsonNode timeToLimit) {
        if (!growth.isNumber()) {
            return "";
        }
        long perHour = growth.asLong();
        String rate = perHour == 0 ? "flat" : (perHour > 0 ? "growing " : "shrinking ") + Bytes.human(Math.abs(perHour)) + "/h";
        if (!limited) {
            return ", " + rate;
        }
        return ", " + rate + ", limit " + (timeToLimit.isNumber() ? "in " + human(timeToLimit.asLong()) : "never");
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

    private static String human(long seconds) {
        Duration d = Duration.ofSeconds(seconds);
        return d.toHours() > 0 ? String.format("%dh %02dm", d.toHours(), d.toMinutesPart())
                : String.format("%dm %02ds", d.toMinutes(), d.toSecondsPart());
    }
}
