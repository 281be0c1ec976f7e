package dev.glyphsupervisor.chaos;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Every fault's record, and per kind the detection and recovery latencies against the kind's bound
 * (from {@link Bounds}): p50, p99 and max, and each fault outside its bound or never detected or
 * recovered as a violation.
 */
final class LatencyRecorder {

    private final List<FaultRecord> records = Collections.synchronizedList(new ArrayList<>());
    private final List<String> violations = Collections.synchronizedList(new ArrayList<>());

    void record(FaultRecord r, Bounds bounds) {
        records.add(r);
        long detectBound = bounds.detectionMs(r.kind());
        long recoverBound = bounds.recoveryMs(r.kind());
        if (!r.detected()) {
            violations.add("never detected: " + r);
        } else if (r.detectionMs() > detectBound) {
            violations.add("detected after " + r.detectionMs() + " ms > bound " + detectBound + " ms: " + r);
        }
        if (!r.recovered()) {
            violations.add("never recovered: " + r);
        } else if (r.recoveryMs() > recoverBound) {
            violations.add("recovered after " + r.recoveryMs() + " ms > bound " + recoverBound + " ms: " + r);
        }
    }

    /** A problem found while handling a fault that is not a latency (a killed foreign process, a failed command). */
    void violation(String what) {
        violations.add(what);
    }

    List<FaultRecord> records() {
        synchronized (records) {
            return List.copyOf(records);
        }
    }

    List<String> violations() {
        synchronized (violations) {
            return List.copyOf(violations);
        }
    }

    int count() {
        return records.size();
    }

    Map<FaultKind, List<FaultRecord>> byKind() {
        Map<FaultKind, List<FaultRecord>> m = new EnumMap<>(FaultKind.class);
        for (FaultRecord r : records()) {
            m.computeIfAbsent(r.kind(), k -> new ArrayList<>()).add(r);
        }
        return m;
    }

    /** Nearest-rank percentile of {@code values} (0 < p <= 100); -1 for none. */
    static long percentile(List<Long> values, double p) {
        if (values.isEmpty()) {
            return -1;
        }
        List<Long> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        int rank = (int) Math.ceil(p / 100.0 * sorted.size());
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, rank - 1)));
    }
}
