package dev.glyphsupervisor.e2e;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Order statistics for the benchmarks' samples (nearest-rank percentiles: every figure is a real sample). */
final class Stats {

    private Stats() {
    }

    /** The nearest-rank percentile: the smallest sample with at least {@code p} % of the samples at or below it. */
    static long percentile(List<Long> values, int p) {
        if (values.isEmpty()) {
            throw new IllegalArgumentException("no samples");
        }
        if (p <= 0 || p > 100) {
            throw new IllegalArgumentException("percentile " + p + " is not in 1..100");
        }
        List<Long> sorted = sorted(values);
        int index = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, index));
    }

    /** The median; for an even count the lower of the two middle samples (a real sample, as above). */
    static long median(List<Long> values) {
        return percentile(values, 50);
    }

    /** "p50 A, p99 B, min C, max D", or "no samples". */
    static String summary(List<Long> values) {
        if (values.isEmpty()) {
            return "no samples";
        }
        List<Long> sorted = sorted(values);
        return String.format("p50 %d, p99 %d, min %d, max %d", percentile(sorted, 50), percentile(sorted, 99),
                sorted.get(0), sorted.get(sorted.size() - 1));
    }

    private static List<Long> sorted(List<Long> values) {
        List<Long> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        return sorted;
    }
}
