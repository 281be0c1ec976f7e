package dev.glyphsupervisor.probes.progress;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Which series of a server's /metrics say how much work is pending and whether the engine progresses.
 * Names are series names as exposed (a histogram's {@code _count}, a counter's {@code _total} where the
 * server adds one); each is summed over all its label sets.
 *
 * @param pending  series whose sum is the work pending: requests running plus requests waiting
 * @param progress a series that moves on every engine step (not a request-end total)
 */
public record ProgressMetrics(List<String> pending, String progress) {

    public ProgressMetrics {
        pending = List.copyOf(Objects.requireNonNull(pending, "pending"));
        Objects.requireNonNull(progress, "progress");
        if (pending.isEmpty()) {
            throw new IllegalArgumentException("at least one pending metric is needed");
        }
        for (String name : pending) {
            requireName(name, "pending metric");
        }
        requireName(progress, "progress metric");
        if (pending.contains(progress)) {
            throw new IllegalArgumentException("progress metric " + progress + " is also a pending metric");
        }
        if (Set.copyOf(pending).size() != pending.size()) {
            throw new IllegalArgumentException("a pending metric is named twice: " + pending);
        }
    }

    /** Every name, pending first, then progress: what a scrape asks the parser for. */
    public Set<String> names() {
        Set<String> names = new LinkedHashSet<>(pending);
        names.add(progress);
        return names;
    }

    /** A Prometheus series name: {@code [a-zA-Z_:][a-zA-Z0-9_:]*}. */
    public static boolean isMetricName(String name) {
        if (name == null || name.isEmpty()) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean ok = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == ':' || i > 0 && c >= '0' && c <= '9';
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    private static void requireName(String name, String what) {
        if (!isMetricName(name)) {
            throw new IllegalArgumentException(what + " \"" + name + "\" is not a Prometheus metric name ([a-zA-Z_:][a-zA-Z0-9_:]*)");
        }
    }
}
