package dev.glyphsupervisor.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The audit log after the run, read raw (the rotated files oldest first, then the live one), line by line:
 * every line parses, except at most one torn last line per daemon SIGKILL; {@code seq} goes up by one
 * within each daemon run (a run starts at its supervisor_started) and never goes back across runs; every
 * restart_decided has a reason and the values behind that reason.
 */
final class AuditCheck {

    /** The values each restart reason must carry. */
    private static final Map<String, List<String>> VALUES = Map.of(
            "exited", List.of("exit_code"),
            "unhealthy", List.of("failures", "threshold", "results"),
            "host_memory", List.of("metric", "value", "limit"),
            "gpu_memory", List.of("metric", "value", "limit"),
            "operator", List.of("by", "requested_reason"),
            "startup_timeout", List.of("startup_timeout_ms", "last_probe"),
            "maintenance", List.of("uptime_ms"),
            "stalled", List.of("pending", "counter", "stalled_for_s", "stall_after_s"),
            "inference_failed", List.of("failures", "threshold", "detail", "latency_ms"),
            "inference_slow", List.of("failures", "threshold", "detail", "latency_ms"));

    record Result(long lines, long records, int runs, List<String> unparsable, List<String> problems,
                  Map<String, Integer> restartReasons, Map<String, Integer> events) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private AuditCheck() {
    }

    /**
     * Issue 16's invariants on a lane's whole audit log, against the faults injected into it: every {@code stalled}
     * restart is the detection of an injected engine hang (no false positive under traffic, a SIGKILL, a SIGSTOP,
     * inference errors or slow answers), every {@code inference_failed} restart the detection of injected inference
     * errors, no {@code inference_slow} restart ever (restart_on_slow is off) and every {@code inference_slow}
     * record says it does not count toward one. Returns the problems; {@code counts} gets the figures.
     */
    static List<String> servingProblems(Path audit, List<FaultRecord> faults, Map<String, Integer> counts)
            throws IOException {
        List<String> problems = new ArrayList<>();
        java.util.Set<Long> hangs = new java.util.HashSet<>();
        java.util.Set<Long> errors = new java.util.HashSet<>();
        for (FaultRecord f : faults) {
            if (f.kind() == FaultKind.ENGINE_HANG && f.detected()) {
                hangs.add(f.detectedAt());
            } else if (f.kind() == FaultKind.INFERENCE_ERRORS && f.detected()) {
                errors.add(f.detectedAt());
            }
        }
        for (Path file : files(audit)) {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                JsonNode e;
                try {
                    e = JSON.readTree(line);
                } catch (IOException torn) {
                    continue; // counted by check()
                }
                if (e == null || !e.isObject()) {
                    continue;
                }
                String event = e.path("event").asText();
                if (event.startsWith("inference_") || event.startsWith("progress_")) {
                    counts.merge(event, 1, Integer::sum);
                }
                if (event.equals("inference_slow") && e.path("restart").asBoolean(true)) {
                    problems.add("an inference_slow record counting toward a restart (restart_on_slow is off): " + e);
                }
                if (!event.equals("restart_decided")) {
                    continue;
                }
                String reason = e.path("reason").asText();
                long ts = java.time.Instant.parse(e.path("ts").asText()).toEpochMilli();
                switch (reason) {
                    case "stalled" -> {
                        counts.merge("restart_decided(stalled)", 1, Integer::sum);
                        if (!hangs.contains(ts)) {
                            problems.add("a stalled restart with no engine hang injected (a false positive): " + e);
                        }
                    }
                    case "inference_failed" -> {
                        counts.merge("restart_decided(inference_failed)", 1, Integer::sum);
                        if (!errors.contains(ts)) {
                            problems.add("an inference_failed restart with no inference errors injected: " + e);
                        }
                    }
                    case "inference_slow" -> problems.add("an inference_slow restart (restart_on_slow is off): " + e);
                    default -> {
                    }
                }
            }
        }
        return problems;
    }

    private static List<Path> files(Path audit) {
        List<Path> files = new ArrayList<>();
        for (int i = 100; i >= 1; i--) {
            Path rotated = audit.resolveSibling(audit.getFileName() + "." + i);
            if (Files.exists(rotated)) {
                files.add(rotated);
            }
        }
        files.add(audit);
        return files;
    }

    static Result check(Path audit, int daemonKills) throws IOException {
        return check(audit, daemonKills, null);
    }

    /**
     * The same; with {@code servers} (a stack's names) also: {@code seq} gap-free across the whole log, daemon
     * runs included (a new daemon continues from the last valid record: a torn line has no seq), and every
     * record but the daemon's own {@code supervisor_started} names one of {@code servers} (the daemon's
     * stop is recorded per server: {@code supervisor_stopping}/{@code supervisor_stopped} name theirs).
     */
    static Result check(Path audit, int daemonKills, java.util.Set<String> servers) throws IOException {
        List<Path> files = new ArrayList<>();
        for (int i = 100; i >= 1; i--) {
            Path rotated = audit.resolveSibling(audit.getFileName() + "." + i);
            if (Files.exists(rotated)) {
                files.add(rotated);
            }
        }
        files.add(audit);
        long lines = 0;
        long records = 0;
        int runs = 0;
        long lastSeq = -1;
        List<String> unparsable = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        Map<String, Integer> reasons = new TreeMap<>();
        Map<String, Integer> events = new TreeMap<>();
        for (Path file : files) {
            int lineNo = 0;
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                lineNo++;
                lines++;
                JsonNode e;
                try {
                    e = JSON.readTree(line);
                } catch (IOException bad) {
                    e = null;
                }
                if (e == null || !e.isObject() || !e.has("seq") || !e.has("event")) {
                    unparsable.add(file.getFileName() + ":" + lineNo + ": " + abbreviate(line));
                    continue;
                }
                records++;
                String event = e.path("event").asText();
                events.merge(event, 1, Integer::sum);
                long seq = e.path("seq").asLong();
                if (servers != null) {
                    String server = e.path("server").asText(null);
                    // the daemon's start is its own record; everything else (its stop too) is a server's
                    if (event.equals("supervisor_started") ? server != null : !servers.contains(server)) {
                        problems.add(file.getFileName() + ":" + lineNo + ": " + event + " names server " + server
                                + " (the servers are " + servers + "): " + abbreviate(line));
                    }
                    if (lastSeq >= 0 && seq != lastSeq + 1) {
                        problems.add(file.getFileName() + ":" + lineNo + ": seq " + seq + " after " + lastSeq
                                + " (the whole log must be gap-free)");
                    }
                }
                if (event.equals("supervisor_started")) {
                    runs++;
                    if (lastSeq >= 0 && seq <= lastSeq) {
                        problems.add(file.getFileName() + ":" + lineNo + ": seq " + seq + " of a new run after " + lastSeq);
                    }
                } else if (servers == null && lastSeq >= 0 && seq != lastSeq + 1) {
                    problems.add(file.getFileName() + ":" + lineNo + ": seq " + seq + " after " + lastSeq + " in one daemon run");
                }
                lastSeq = seq;
                if (event.equals("restart_decided")) {
                    String reason = e.path("reason").asText("");
                    reasons.merge(reason, 1, Integer::sum);
                    List<String> needed = VALUES.get(reason);
                    if (needed == null) {
                        problems.add(file.getFileName() + ":" + lineNo + ": restart_decided with reason '" + reason + "'");
                    } else {
                        for (String key : needed) {
                            if (!e.has(key) || e.get(key).isNull()) {
                                problems.add(file.getFileName() + ":" + lineNo + ": restart_decided(" + reason
                                        + ") without " + key + ": " + e);
                            }
                        }
                    }
                }
            }
        }
        if (unparsable.size() > daemonKills) {
            problems.add(unparsable.size() + " unparsable lines, more than the " + daemonKills
                    + " daemon SIGKILLs that could each tear one: " + unparsable);
        }
        return new Result(lines, records, runs, unparsable, problems, reasons, events);
    }

    private static String abbreviate(String line) {
        return line.length() > 120 ? line.substring(0, 120) + "…" : line;
    }
}
