package dev.glyphsupervisor.core;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Compares memory samples with the limits and keeps the growth trends of the tree's GPU memory and RSS.
 * A new generation starts new trends: the old server's growth says nothing about the new one's.
 */
public final class MemoryWatch {

    private final MemoryLimits limits;
    private final MemoryTrend gpuTrend;
    private final MemoryTrend rssTrend;
    private long generation = -1;
    private MemorySample last;

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
        }
        gpuTrend.add(s.at(), s.treeGpu());
        rssTrend.add(s.at(), s.treeRss());
        last = s;

        if (limits.maxTreeGpu() >= 0 && s.treeGpu() >= 0 && s.treeGpu() > limits.maxTreeGpu()) {
            return Optional.of(treeBreach("gpu_memory", "tree_gpu_memory", s.treeGpu(), limits.maxTreeGpu(),
                    s.gpuPerPid(), gpuTrend, s, false));
        }
        for (MemorySample.Device d : s.devices()) {
            long limit = limits.deviceLimit(d.total());
            if (limit >= 0 && d.used() > limit) {
                Map<String, Object> v = new LinkedHashMap<>();
                v.put("metric", "device_memory");
                v.put("device", d.index());
                v.put("uuid", d.uuid());
                v.put("value", d.used());
                v.put("total", d.total());
                v.put("limit", limit);
                v.put("tree_gpu_memory", s.treeGpu());
                v.put("per_pid", perPid(s.gpuPerPid()));
                return Optional.of(new MemoryBreach("gpu_memory", v));
            }
        }
        if (limits.maxTreeRss() >= 0 && s.treeRss() >= 0 && s.treeRss() > limits.maxTreeRss()) {
            return Optional.of(treeBreach("host_memory", "tree_rss", s.treeRss(), limits.maxTreeRss(), s.rssPerPid(),
                    rssTrend, s, false));
        }
        if (limits.minAvailable() >= 0 && s.available() >= 0 && s.available() < limits.minAvailable()) {
            Map<String, Object> v = new LinkedHashMap<>();
            v.put("metric", "host_available");
            v.put("value", s.available());
            v.put("limit", limits.minAvailable());
            v.put("tree_rss", s.treeRss());
            v.put("per_pid", perPid(s.rssPerPid()));
            return Optional.of(new MemoryBreach("host_memory", v));
        }
        if (limits.earlyRestart() != null) {
            if (projectedSoon(gpuTrend, s.treeGpu(), limits.maxTreeGpu())) {
                return Optional.of(treeBreach("gpu_memory", "tree_gpu_memory", s.treeGpu(), limits.maxTreeGpu(),
                        s.gpuPerPid(), gpuTrend, s, true));
            }
            if (projectedSoon(rssTrend, s.treeRss(), limits.maxTreeRss())) {
                return Optional.of(treeBreach("host_memory", "tree_rss", s.treeRss(), limits.maxTreeRss(),
                        s.rssPerPid(), rssTrend, s, true));
            }
        }
        return Optional.empty();
    }

    /** Growth and projection of the tree's GPU memory and RSS, for status and audit records. */
    public synchronized Map<String, Object> summary() {
        Map<String, Object> m = new LinkedHashMap<>();
        if (last == null) {
            return m;
        }
        m.put("tree_gpu_memory", last.treeGpu());
        m.put("gpu_growth_bytes_per_hour", rate(gpuTrend));
        m.put("gpu_time_to_limit_s", seconds(limits.maxTreeGpu() >= 0 ? gpuTrend.timeToLimit(last.treeGpu(), limits.maxTreeGpu()) : null));
        m.put("tree_rss", last.treeRss());
        m.put("rss_growth_bytes_per_hour", rate(rssTrend));
        m.put("rss_time_to_limit_s", seconds(limits.maxTreeRss() >= 0 ? rssTrend.timeToLimit(last.treeRss(), limits.maxTreeRss()) : null));
        m.put("host_available", last.available());
        return m;
    }

    private boolean projectedSoon(MemoryTrend trend, long value, long limit) {
        if (limit < 0 || value < 0) {
            return false;
        }
        Duration eta = trend.timeToLimit(value, limit);
        return eta != null && eta.compareTo(limits.earlyRestart()) < 0;
    }

    private static MemoryBreach treeBreach(String reason, String metric, long value, long limit, Map<Long, Long> perPid,
                                           MemoryTrend trend, MemorySample s, boolean projected) {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("metric", metric);
        v.put("value", value);
        v.put("limit", limit);
        v.put("projected", projected);
        v.put("growth_bytes_per_hour", rate(trend));
        v.put("time_to_limit_s", seconds(trend.timeToLimit(value, limit)));
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

    private static Object rate(MemoryTrend trend) {
        double r = trend.bytesPerHour();
        return Double.isNaN(r) ? null : Math.round(r);
    }

    private static Object seconds(Duration d) {
        return d == null ? null : d.toSeconds();
    }
}
