package dev.glyphsupervisor.cli;

import dev.glyphsupervisor.control.ControlRequest;
import dev.glyphsupervisor.control.ServersReply;
import dev.glyphsupervisor.control.StatusReply;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
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

    @Parameters(paramLabel = "NAME", arity = "0..*", completionCandidates = ServerNameCandidates.class,
            description = "The servers to show in detail (default: the only server, or one line per server).")
    List<String> names = new ArrayList<>();

    @Override
    public Integer call() {
        return status(address, names, json, timeout, spec.commandLine().getOut(), spec.commandLine().getErr());
    }

    /** The call and its output; also {@link QuickStatus}'s, so that both paths answer alike. */
    static int status(DaemonAddress address, boolean json, Duration timeout, PrintWriter out, PrintWriter err) {
        return status(address, List.of(), json, timeout, out, err);
    }

    /**
     * No name: the detail of a daemon's only server, or one line per server of several. Names: each one's detail.
     * The exit code is the worst of them: 0 only when every server shown is RUNNING.
     */
    static int status(DaemonAddress address, List<String> names, boolean json, Duration timeout, PrintWriter out,
                      PrintWriter err) {
        if (names.isEmpty()) {
            DaemonCall<ServersReply> list = DaemonCall.call(err, address, new ControlRequest.Servers(), timeout, "status");
            if (list.answer == null) {
                return unanswered(list, json, out);
            }
            if (list.answer.servers().size() != 1) {
                return overview(list, json, out);
            }
            return detail(address, null, json, timeout, out, err);
        }
        int worst = 0;
        for (String name : new java.util.LinkedHashSet<>(names)) {
            worst = Math.max(worst, detail(address, name, json, timeout, out, err));
        }
        return worst;
    }

    private static int detail(DaemonAddress address, String name, boolean json, Duration timeout, PrintWriter out,
                              PrintWriter err) {
        DaemonCall<StatusReply> c = DaemonCall.call(err, address, new ControlRequest.Status(name), timeout);
        if (c.answer == null) {
            return unanswered(c, json, out);
        }
        StatusReply s = c.answer;
        if (json) {
            out.println(c.raw.document()); // the daemon's own document, whatever its version wrote
        } else {
            print(out, name, s);
        }
        out.flush();
        return s.state().equals("RUNNING") ? 0 : 1;
    }

    private static int unanswered(DaemonCall<?> c, boolean json, PrintWriter out) {
        if (json && c.exit != Glyphctl.EXIT_USAGE) {
            out.println("{\"state\":\"" + (c.exit == DaemonCall.EXIT_NOT_RUNNING ? "NOT_RUNNING" : "UNKNOWN") + "\"}");
            out.flush();
        }
        return c.exit;
    }

    /** One line per server: name, state, pid, generation, uptime, restarts, GPU memory, what it waits for. */
    private static int overview(DaemonCall<ServersReply> c, boolean json, PrintWriter out) {
        int worst = 0;
        if (json) {
            out.println(c.raw.document());
        } else {
            out.printf("%-16s %-9s %8s %5s %9s %15s %10s  %s%n", "SERVER", "STATE", "PID", "GEN", "UP", "RESTARTS 24h/all",
                    "GPU", "NOTE");
        }
        for (ServersReply.Line l : c.answer.servers()) {
            worst = Math.max(worst, l.state().equals("RUNNING") ? 0 : 1);
            if (json) {
                continue;
            }
            String note = note(l);
            out.printf("%-16s %-9s %8s %5d %9s %15s %10s  %s%n", l.name(), l.state(), l.pid() == null ? "-" : l.pid(),
                    l.generation(), l.uptimeS() == null ? "-" : human(l.uptimeS()),
                    l.restarts24h() + "/" + l.restartsTotal(), l.gpuTreeBytes() == null ? "-" : Bytes.human(l.gpuTreeBytes()),
                    note).flush();
        }
        out.flush();
        return worst;
    }

    /** The overview's NOTE: what the probes say needs a look, first; then what it waits for, who paused it, or requires. */
    static String note(ServersReply.Line l) {
        String note = !l.waitingFor().isEmpty() ? "waiting for " + String.join(", ", l.waitingFor())
                : l.pausedBy() != null ? "paused by " + l.pausedBy()
                : l.requires().isEmpty() ? "" : "requires " + String.join(", ", l.requires());
        if (l.probeNote() != null) {
            note = note.isEmpty() ? l.probeNote() : l.probeNote() + "; " + note;
        }
        return note;
    }

    private static void print(PrintWriter out, String name, StatusReply s) {
        print(out, name, s, ZoneId.systemDefault());
    }

    /** The detail view; times of day (the inference probe's) in {@code zone}. */
    static void print(PrintWriter out, String name, StatusReply s, ZoneId zone) {
        out.println((name == null ? "glyph-supervisor" : name) + ": " + s.state() + " — " + meaning(s));
        if (s.pid() != null) {
            out.printf("  server      pid %d (pgid %d), generation %d, up %s%n", s.pid(), orZero(s.pgid()),
                    s.generation(), human(orZero(s.uptimeS())));
        } else {
            out.printf("  server      not running, generation %d%n", s.generation());
        }
        FailureLines.print(out, s.lastFailure());
        StatusReply.LastRestart last = s.lastRestart();
        out.printf("  restarts    %d total, %d in the last 24 h%s%n", s.restarts().total(), s.restarts().last24h(),
                last.reason() == null ? "" : "; last: " + last.reason() + " at " + last.at()
                        + (last.detail() != null ? " (" + last.detail() + ")" : ""));
        if (Boolean.FALSE.equals(s.probesCurrent()) && !s.probes().isEmpty()) {
            out.printf("  probe       the last results are generation %d's:%n", orZero(s.probesGeneration()));
        }
        for (StatusReply.ProbeLine p : s.probes()) {
            out.printf("  probe       %-8s %-8s %6.1f ms  %s%n", p.probe(), p.status(), p.latencyMs(), p.detail());
        }
        printProgress(out, s);
        printInference(out, s, zone);
        printGpu(out, s);
        printHostMemory(out, s);
        StatusReply.LaunchRefused refused = s.launchRefused();
        if (refused != null) {
            out.printf("  waiting     launch refused (%s) at %s, attempt %d; next try at %s: %s%n",
                    refused.cause(), refused.at(), refused.attempt(), refused.retryAt(), refused.detail());
        }
        if (s.pausedBy() != null) {
            out.printf("  paused      by %s at %s%n", s.pausedBy(), s.pausedAt());
        }
        out.printf("  next probe  %s%s%n", s.nextProbe() == null ? "-" : s.nextProbe(),
                s.nextMaintenance() == null ? "" : ", next maintenance " + s.nextMaintenance());
        out.printf("  config      %s%n  audit       %s%n", s.config(), s.audit());
    }

    /**
     * The progress probe's line, when probes.progress is configured: the last reading's status and what it showed
     * (pending work, the counter's rate, how long it has been flat), then the preset and stall_after; one line of why
     * when the metrics cannot be read. A hint follows when stalls keep coming back after restarts.
     */
    private static void printProgress(PrintWriter out, StatusReply s) {
        StatusReply.Progress p = s.progress();
        if (p == null) {
            return;
        }
        String engine = p.engine() != null ? p.engine() : "metrics named in the config";
        // A STALLED reading's detail says stall_after already.
        String where = p.detail() != null && p.detail().contains("stall_after") ? engine
                : engine + ", stall after " + seconds(p.stallAfterS());
        if (p.status() == null) {
            out.printf("  progress    not read yet (%s, %s)%n", where, p.url());
        } else if (Boolean.FALSE.equals(p.current())) {
            out.printf("  progress    %s (the last reading: %s %s)%n",
                    s.pid() != null ? "no reading of generation " + s.generation() + " yet" : "server not running",
                    p.status(), p.detail());
        } else if (p.status().equals("UNKNOWN")) {
            out.printf("  progress    UNKNOWN %s%n", p.detail());
        } else {
            String own = p.status().toLowerCase(Locale.ROOT) + ": "; // "IDLE idle: nothing pending" says it twice
            String detail = p.detail().startsWith(own) ? p.detail().substring(own.length()) : p.detail();
            out.printf("  progress    %s %s (%s)%n", p.status(), detail, where);
        }
        if (p.hint() != null) {
            out.printf("  hint        %s%n", p.hint());
        }
    }

    /**
     * The inference probe's line, when probes.inference is configured: the last answer (verdict, latency, time,
     * failures in a row of the threshold, and for one that is not OK what was wrong), or the last skip when it is
     * newer, then the next run (while the server runs).
     */
    private static void printInference(PrintWriter out, StatusReply s, ZoneId zone) {
        StatusReply.Inference i = s.inference();
        if (i == null) {
            return;
        }
        // It runs only while the server runs past its startup; the schedule's next time means nothing before.
        boolean runs = s.state().equals("RUNNING") || s.state().equals("DEGRADED");
        String next = i.next() == null || !runs ? "" : ", next at " + timeOfDay(i.next(), zone);
        String failures = i.failures() + (i.failures() == 1 ? " failure" : " failures") + " of " + i.failureThreshold();
        String answer = i.verdict() == null ? null : i.verdict() + " " + latency(i.latencyMs()) + " at "
                + timeOfDay(i.at(), zone);
        boolean skippedLast = i.skipped() != null && i.skippedAt() != null
                && (i.at() == null || i.skippedAt().isAfter(i.at()));
        if (skippedLast) {
            out.printf("  inference   %s at %s%s%s%n", i.skipped(), timeOfDay(i.skippedAt(), zone),
                    answer == null ? "" : "; last run " + answer + " (" + failures + ")", next);
        } else if (answer == null) {
            out.printf("  inference   not run yet (%s %s)%s%n", i.method(), i.url(), next);
        } else {
            out.printf("  inference   %s (%s)%s%s%n", answer, failures,
                    i.verdict().equals("OK") || i.detail() == null ? "" : ": " + i.detail(), next);
        }
    }

    /** "183 ms", "2.5 s". */
    private static String latency(Double ms) {
        if (ms == null) {
            return "-";
        }
        return ms < 1000 ? Math.round(ms) + " ms" : String.format(Locale.ROOT, "%.1f s", ms / 1000);
    }

    /** "120 s", "1.5 s". */
    private static String seconds(double s) {
        return s == Math.rint(s) ? (long) s + " s" : String.format(Locale.ROOT, "%.1f s", s);
    }

    private static String timeOfDay(Instant at, ZoneId zone) {
        return at == null ? "-" : TIME_OF_DAY.format(at.atZone(zone));
    }

    private static final DateTimeFormatter TIME_OF_DAY = DateTimeFormatter.ofPattern("HH:mm:ss", Locale.ROOT);

    /**
     * The GPU lines, when probes.gpu is configured: the server's tree against its limit with its trend (the current
     * generation's reading only), then each watched device, read now: used of total, its limit, and who holds it.
     */
    private static void printGpu(PrintWriter out, StatusReply s) {
        StatusReply.Gpu gpu = s.gpu();
        if (gpu == null || !configured(gpu.configured(), gpu.treeBytes())) {
            return;
        }
        String unknown = gpu.unknown();
        if (gpu.treeBytes() != null) {
            out.printf("  gpu         server %s%s%s%n", Bytes.human(gpu.treeBytes()),
                    gpu.limitBytes() != null ? " of " + Bytes.human(gpu.limitBytes()) : "",
                    trend(gpu.growthBytesPerHour(), gpu.limitBytes() != null, gpu.timeToLimitS()));
        } else if (unknown != null && gpu.devices().isEmpty()) {
            out.printf("  gpu         unreadable: %s%n", unknown);
        } else if (unknown != null && gpu.reading() != null && gpu.reading().current()) {
            out.printf("  gpu         server n/a: %s%n", unknown);
        } else {
            out.printf("  gpu         %s%n", noReading(s, gpu.reading()));
        }
        for (StatusReply.Device d : gpu.devices()) {
            out.printf("  gpu %-7d %s used of %s%s: %s%n", d.index(), Bytes.human(d.used()), Bytes.human(d.total()),
                    d.limit() != null ? " (limit " + Bytes.human(d.limit()) + ")" : "", holders(d));
        }
    }

    /** The server's share of a device, then the other processes (largest first) and the memory no one is listed for. */
    private static String holders(StatusReply.Device d) {
        StringBuilder sb = new StringBuilder(d.tree() != null ? "server " + Bytes.human(d.tree()) : "server not running");
        java.util.List<java.util.Map.Entry<String, Long>> others = new java.util.ArrayList<>(d.others().entrySet());
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
        if (d.unowned() > 0) {
            sb.append(", unlisted ").append(Bytes.human(d.unowned()));
        }
        return sb.toString();
    }

    private static void printHostMemory(PrintWriter out, StatusReply s) {
        StatusReply.Memory mem = s.memory();
        if (mem == null || !configured(mem.configured(), mem.treeRssBytes())) {
            return;
        }
        if (mem.treeRssBytes() != null) {
            out.printf("  memory      server RSS %s%s, host available %s%n", Bytes.human(mem.treeRssBytes()),
                    mem.limitBytes() != null ? " of " + Bytes.human(mem.limitBytes()) : "",
                    mem.hostAvailableBytes() != null ? Bytes.human(mem.hostAvailableBytes()) : "n/a");
        } else {
            out.printf("  memory      %s%n", noReading(s, mem.reading()));
        }
    }

    /** Configured per the daemon, or (a daemon from before "configured", which sends null) a figure of it present. */
    private static boolean configured(Boolean configured, Long figure) {
        return configured != null ? configured : figure != null && figure >= 0;
    }

    /** Why there is no figure: no reading yet, or the last one was of an earlier generation (or of a stopped server). */
    private static String noReading(StatusReply s, StatusReply.Reading reading) {
        long generation = s.generation();
        boolean running = s.pid() != null;
        if (reading == null) {
            return running ? "no reading of generation " + generation + " yet" : "no reading yet";
        }
        String last = "generation " + reading.generation() + "'s, at " + reading.at();
        return running ? "no reading of generation " + generation + " yet (the last one was " + last + ")"
                : "server not running (the last reading was " + last + ")";
    }

    /** ", growing 1.2 GiB/h, limit in 3h 05m", ", flat, limit never", ", shrinking 12.0 MiB/h"; empty while unknown. */
    private static String trend(Long growth, boolean limited, Long timeToLimit) {
        if (growth == null) {
            return "";
        }
        long perHour = growth;
        String rate = perHour == 0 ? "flat" : (perHour > 0 ? "growing " : "shrinking ") + Bytes.human(Math.abs(perHour)) + "/h";
        if (!limited) {
            return ", " + rate;
        }
        return ", " + rate + ", limit " + (timeToLimit != null ? "in " + human(timeToLimit) : "never");
    }

    private static String meaning(StatusReply s) {
        String state = s.state();
        return switch (state) {
            case "RUNNING" -> "healthy";
            case "DEGRADED" -> "running, failing probes below the threshold";
            case "STARTING" -> "starting (waiting for the first healthy probe)";
            case "STOPPING" -> "restarting: stopping the old process tree";
            case "BACKOFF" -> "restarting: waiting out the backoff before the next launch";
            case "FAILED" -> FailureLines.gaveUp(s.lastFailure())
                    .orElse("crash loop: only a slow retry remains (glyphctl restart retries now)");
            case "PAUSED" -> "stopped on purpose by " + s.pausedBy() + " (glyphctl start resumes)";
            case "WAITING" -> "waiting for the servers it requires to be healthy (glyphctl status lists them)";
            default -> state.toLowerCase();
        };
    }

    private static long orZero(Long value) {
        return value == null ? 0 : value;
    }

    private static String human(long seconds) {
        Duration d = Duration.ofSeconds(seconds);
        return d.toHours() > 0 ? String.format("%dh %02dm", d.toHours(), d.toMinutesPart())
                : String.format("%dm %02ds", d.toMinutes(), d.toSecondsPart());
    }
}
