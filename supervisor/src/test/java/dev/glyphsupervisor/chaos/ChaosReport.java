package dev.glyphsupervisor.chaos;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The figures of one soak run, and every violation of an invariant found in it. */
record ChaosReport(ChaosSettings settings, long startedAtMs, long durationMs, long cycles, List<FaultRecord> faults,
                   Map<String, Bounds> bounds, List<String> violations, long treeScans,
                   Map<String, ResourceSampler.Verdict> resources, Map<String, AuditCheck.Result> audits,
                   Map<String, Integer> daemonsStarted, String cacheMechanism, String machine) {

    boolean passed() {
        return violations.isEmpty();
    }

    void print(PrintStream out) {
        out.println("== glyph-supervisor chaos soak ==");
        out.println("seed " + settings.seed() + " (rerun with -Dchaos.seed=" + settings.seed() + ")");
        out.println("machine: " + machine);
        out.printf("duration %.1f min; liveness probe cycles %d (target %d); faults %d (target %d); tree scans %d%n",
                durationMs / 60000.0, cycles, settings.cycles(), faults.size(), settings.faults(), treeScans);
        out.println("cache fault mechanism: " + cacheMechanism + "; daemons started per lane: " + daemonsStarted);
        out.println();
        out.printf("%-20s %-10s %5s | %-28s | %-28s%n", "fault kind", "lane", "n", "detection ms p50/p99/max (bound)",
                "recovery ms p50/p99/max (bound)");
        for (FaultKind kind : FaultKind.values()) {
            for (String lane : bounds.keySet()) {
                List<FaultRecord> rs = faults.stream().filter(r -> r.kind() == kind && r.lane().equals(lane)).toList();
                if (rs.isEmpty()) {
                    continue;
                }
                Bounds b = bounds.get(lane);
                out.printf("%-20s %-10s %5d | %-28s | %-28s%n", kind, lane, rs.size(),
                        stats(rs.stream().filter(FaultRecord::detected).map(FaultRecord::detectionMs).toList(), b.detectionMs(kind)),
                        stats(rs.stream().filter(FaultRecord::recovered).map(FaultRecord::recoveryMs).toList(), b.recoveryMs(kind)));
            }
        }
        out.println();
        for (Map.Entry<String, ResourceSampler.Verdict> r : resources.entrySet()) {
            out.println("daemon resources, " + r.getKey() + " lane (warm-up median -> end median): " + r.getValue());
        }
        for (Map.Entry<String, AuditCheck.Result> a : audits.entrySet()) {
            AuditCheck.Result x = a.getValue();
            out.println("audit, " + a.getKey() + " lane: " + x.lines() + " lines, " + x.records() + " records, "
                    + x.runs() + " daemon runs, " + x.unparsable().size() + " torn lines " + x.unparsable()
                    + "; restarts by reason " + x.restartReasons());
        }
        out.println();
        List<String> variants = new ArrayList<>();
        faults.stream().map(r -> r.lane() + ":" + r.kind() + (r.variant().isEmpty() ? "" : "/" + r.variant()))
                .distinct().sorted().forEach(variants::add);
        out.println("variants seen: " + variants);
        out.println(violations.isEmpty() ? "INVARIANTS: all held" : "VIOLATIONS (" + violations.size() + "):");
        violations.forEach(v -> out.println("  " + v));
    }

    /** Every fault, one line each: for the record of a run, and for a look at the slow ones. */
    void writeCsv(java.nio.file.Path file) throws java.io.IOException {
        List<String> lines = new ArrayList<>();
        lines.add("lane,kind,variant,effective_at_ms,detection_ms,recovery_ms,note");
        for (FaultRecord r : faults) {
            lines.add(String.join(",", r.lane(), r.kind().name(), r.variant().replace(',', ';'),
                    Long.toString(r.effectiveAt()), r.detected() ? Long.toString(r.detectionMs()) : "",
                    r.recovered() ? Long.toString(r.recoveryMs()) : "", "\"" + r.note().replace("\"", "'") + "\""));
        }
        java.nio.file.Files.createDirectories(file.getParent());
        java.nio.file.Files.write(file, lines);
    }

    private static String stats(List<Long> values, long bound) {
        if (values.isEmpty()) {
            return "-";
        }
        return LatencyRecorder.percentile(values, 50) + "/" + LatencyRecorder.percentile(values, 99) + "/"
                + values.stream().mapToLong(Long::longValue).max().orElse(-1) + " (" + bound + ")";
    }
}
