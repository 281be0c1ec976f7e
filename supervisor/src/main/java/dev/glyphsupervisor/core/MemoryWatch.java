package dev.glyphsupervisor.core;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Compares memory samples with the limits and keeps the growth trends of the tree's GPU memory and RSS.
 * A new generation starts new trends: the old server's growth says nothing about the new one's.
 *
 * <p>A GPU is shared: other processes (another server, a notebook) use the same device. So a device over
 * {@code max_device_memory} restarts the server only when a restart would bring it back under the limit, that is
 * when the server's own growth since this launch's first reading is at least the overshoot; otherwise the memory
 * is someone else's, the server keeps running, and {@link #deviceOverLimit()} says who holds what. Where NVML
 * cannot say whose the memory is (it lists no process, or has no figure for the tree), the device limit restarts
 * the server whoever holds the memory: it is the only protection there.
 */
public final class MemoryWatch {

    private final MemoryLimits limits;
    private final MemoryTrend gpuTrend;
    private final MemoryTrend rssTrend;
    private long generation = -1;
    private MemorySample last;
    /** The tree's bytes per device at this generation's first reading: its size once started, what growth is from. */
    private Map<Integer, Long> firstTree = new LinkedHashMap<>();
    /** The same for the latest generation that was read: what the server needs on each device to start. */
    private Map<Integer, Long> footprint = Map.of();
    private DeviceOverLimit overLimit;

    public MemoryWatch(MemoryLimits limits) {
        this.limits = limits;
        this.gpuTrend = new MemoryTrend(limits.trendWindow());
        this.rssTrend = new MemoryTrend(limits.trendWindow());
    }

    /** Records the sample and says whether a limit is passed (or, with early restart, about to be). */
    public synchronized Optional<MemoryBreach> check(MemorySample s) {
        if (s.generation() != generation) {
            generation = s.generation();
            gpuTrend.clear();
            rssTrend.clear();
            firstTree = new LinkedHashMap<>();
        }
        gpuTrend.add(s.at(), s.treeGpu());
        rssTrend.add(s.at(), s.treeRss());
        last = s;
        noteFirstTree(s);

        MemoryLimits.Exceeded exceeded = limits.exceeded(s);
        MemoryBreach deviceBreach = null;
        List<Map<String, Object>> others = new ArrayList<>();
        List<Integer> overIndexes = new ArrayList<>();
        for (MemoryLimits.DeviceOver over : exceeded.devices()) {
            MemorySample.Device d = over.device();
            long limit = over.limit();
            Map<String, Object> v = deviceValues(d, limit);
            if (!d.attributable() || (long) v.get("tree_growth") >= d.used() - limit) {
                if (deviceBreach == null) {
                    Map<String, Object> b = new LinkedHashMap<>();
                    b.put("metric", "device_memory");
                    b.put("device", d.index());
                    b.put("uuid", d.uuid());
                    b.put("value", d.used());
                    b.put("total", d.total());
                    b.put("limit", limit);
                    b.put("tree_gpu_memory", s.treeGpu());
                    b.put("tree_growth", v.get("tree_growth"));
                    b.put("attributable", d.attributable());
                    b.put("others", v.get("others"));
                    b.put("unowned", v.get("unowned"));
                    b.put("per_pid", perPid(s.gpuPerPid()));
                    deviceBreach = new MemoryBreach("gpu_memory", b);
                }
            } else {
                overIndexes.add(d.index());
                others.add(v);
            }
        }
        overLimit = overIndexes.isEmpty() ? null : new DeviceOverLimit(overIndexes, Map.of(
                "devices", others,
                "why", "restarting the server would not bring the device back under its limit: the server's own growth "
                        + "since its first reading is less than the overshoot (other processes, or the server's size "
                        + "at its start, hold the rest)"));

        if (exceeded.treeGpu()) {
            return Optional.of(treeBreach("gpu_memory", "tree_gpu_memory", s.treeGpu(), limits.maxTreeGpu().getAsLong(),
                    s.gpuPerPid(), gpuTrend, s, false));
        }
        if (deviceBreach != null) {
            return Optional.of(deviceBreach);
        }
        if (exceeded.treeRss()) {
            return Optional.of(treeBreach("host_memory", "tree_rss", s.treeRss(), limits.maxTreeRss().getAsLong(),
                    s.rssPerPid(), rssTrend, s, false));
        }
        if (exceeded.available()) {
            Map<String, Object> v = new LinkedHashMap<>();
            v.put("metric", "host_available");
            v.put("value", s.available());
            v.put("limit", limits.minAvailable().getAsLong());
            v.put("tree_rss", s.treeRss());
            v.put("per_pid", perPid(s.rssPerPid()));
            return Optional.of(new MemoryBreach("host_memory", v));
        }
        if (limits.earlyRestart().isPresent()) {
            Duration horizon = limits.earlyRestart().get();
            if (projectedWithin(horizon, gpuTrend, s.treeGpu(), limits.maxTreeGpu())) {
                return Optional.of(treeBreach("gpu_memory", "tree_gpu_memory", s.treeGpu(),
                        limits.maxTreeGpu().getAsLong(), s.gpuPerPid(), gpuTrend, s, true));
            }
            if (projectedWithin(horizon, rssTrend, s.treeRss(), limits.maxTreeRss())) {
                return Optional.of(treeBreach("host_memory", "tree_rss", s.treeRss(), limits.maxTreeRss().getAsLong(),
                        s.rssPerPid(), rssTrend, s, true));
            }
        }
        return Optional.empty();
    }

    /** Devices over their limit because of other processes at the last reading (no restart), if any. */
    public synchronized Optional<DeviceOverLimit> deviceOverLimit() {
        return Optional.ofNullable(overLimit);
    }

    /**
     * What the server holds on each device once started (device index → bytes), from the first reading of the
     * latest generation read: what a launch needs to find free. Empty before any reading.
     */
    public synchronized Map<Integer, Long> footprint() {
        return footprint;
    }

    /** The device limit for a device of {@code total} bytes; empty without one. */
    public OptionalLong deviceLimit(long total) {
        return limits.deviceLimit(total);
    }

    /** The limits this watch judges by. */
    public MemoryLimits limits() {
        return limits;
    }

    private void noteFirstTree(MemorySample s) {
        boolean changed = false;
        for (MemorySample.Device d : s.devices()) {
            if (d.tree() >= 0 && d.listed() >= 0 && !firstTree.containsKey(d.index())) {
                firstTree.put(d.index(), d.tree());
                changed = true;
            }
        }
        if (changed) {
            footprint = Map.copyOf(firstTree);
        }
    }

    private Map<String, Object> deviceValues(MemorySample.Device d, long limit) {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("device", d.index());
        v.put("uuid", d.uuid());
        v.put("used", d.used());
        v.put("total", d.total());
        v.put("limit", limit);
        v.put("over_by", d.used() - limit);
        v.put("tree", d.tree());
        v.put("tree_growth", d.tree() < 0 ? 0L : d.tree() - firstTree.getOrDefault(d.index(), d.tree()));
        v.put("others", perPid(d.others()));
        v.put("unowned", d.unowned());
        return v;
    }

    /**
     * Growth and projection of the tree's GPU memory and RSS at the last reading, for status and metrics; empty
     * before any reading. A figure not measured, or with no limit to project to, is empty.
     *
     * @param generation the launch the reading belongs to
     * @param at         when it was taken
     */
    public record Summary(long generation, Instant at, OptionalLong treeGpu, OptionalLong gpuGrowthPerHour,
                          OptionalLong gpuSecondsToLimit, OptionalLong treeRss, OptionalLong rssGrowthPerHour,
                          OptionalLong rssSecondsToLimit, OptionalLong hostAvailable) {
    }

    /** The summary of the last reading, with the generation and time it comes from; empty before any reading. */
    public synchronized Optional<Summary> summary() {
        if (last == null) {
            return Optional.empty();
        }
        return Optional.of(new Summary(last.generation(), last.at(),
                measured(last.treeGpu()), rate(gpuTrend), timeToLimit(gpuTrend, last.treeGpu(), limits.maxTreeGpu()),
                measured(last.treeRss()), rate(rssTrend), timeToLimit(rssTrend, last.treeRss(), limits.maxTreeRss()),
                measured(last.available())));
    }

    private static OptionalLong measured(long value) {
        return value < 0 ? OptionalLong.empty() : OptionalLong.of(value);
    }

    private static OptionalLong timeToLimit(MemoryTrend trend, long value, OptionalLong limit) {
        return limit.isPresent() ? seconds(trend.timeToLimit(value, limit.getAsLong())) : OptionalLong.empty();
    }

    private boolean projectedWithin(Duration horizon, MemoryTrend trend, long value, OptionalLong limit) {
        if (limit.isEmpty() || value < 0) {
            return false;
        }
        Duration eta = trend.timeToLimit(value, limit.getAsLong());
        return eta != null && eta.compareTo(horizon) < 0;
    }

    private static MemoryBreach treeBreach(String reason, String metric, long value, long limit, Map<Long, Long> perPid,
                                           MemoryTrend trend, MemorySample s, boolean projected) {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("metric", metric);
        v.put("value", value);
        v.put("limit", limit);
        v.put("projected", projected);
        v.put("growth_bytes_per_hour", orNull(rate(trend)));
        v.put("time_to_limit_s", orNull(seconds(trend.timeToLimit(value, limit))));
        v.put("per_pid", perPid(perPid));
        if (reason.equals("gpu_memory")) {
            List<Map<String, Object>> devices = new ArrayList<>();
            for (MemorySample.Device d : s.devices()) {
                Map<String, Object> dm = new LinkedHashMap<>();
                dm.put("index", d.index());
                dm.put("uuid", d.uuid());
                dm.put("used", d.used());
                dm.put("total", d.total());
                devices.add(dm);
            }
            v.put("devices", devices);
        }
        return new MemoryBreach(reason, v);
    }

    /** Pids as JSON-friendly string keys, sorted. */
    private static Map<String, Long> perPid(Map<Long, Long> perPid) {
        Map<String, Long> m = new LinkedHashMap<>();
        perPid.entrySet().stream().sorted(Map.Entry.comparingByKey())
                .forEach(e -> m.put(Long.toString(e.getKey()), e.getValue()));
        return m;
    }

    private static OptionalLong rate(MemoryTrend trend) {
        double r = trend.bytesPerHour();
        return Double.isNaN(r) ? OptionalLong.empty() : OptionalLong.of(Math.round(r));
    }

    private static OptionalLong seconds(Duration d) {
        return d == null ? OptionalLong.empty() : OptionalLong.of(d.toSeconds());
    }

    /** For audit values, where a missing figure is written as null. */
    private static Long orNull(OptionalLong v) {
        return v.isPresent() ? v.getAsLong() : null;
    }
}
