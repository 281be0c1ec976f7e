package dev.glyphsupervisor.core;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * One reading of the server tree's memory, taken with a liveness probe cycle. A value of -1 means not
 * measured (no limit configured, or the source could not tell; {@code gpuUnknown} then says why).
 *
 * @param generation  the launch the reading belongs to (a new launch starts a new trend)
 * @param treeGpu     sum of NVML usedGpuMemory over the tree's pids
 * @param gpuPerPid   the tree's pids listed by NVML, with their bytes (-1: NVML did not say)
 * @param devices     the watched devices
 * @param gpuUnknown  why the GPU reading is unknown, or null
 * @param treeRss     sum of the tree's RSS
 * @param rssPerPid   the tree's pids with their RSS
 * @param available   the host's MemAvailable
 */
public record MemorySample(long generation, Instant at, long treeGpu, Map<Long, Long> gpuPerPid, List<Device> devices,
                           String gpuUnknown, long treeRss, Map<Long, Long> rssPerPid, long available) {

    public MemorySample {
        gpuPerPid = Map.copyOf(gpuPerPid);
        devices = List.copyOf(devices);
        rssPerPid = Map.copyOf(rssPerPid);
    }

    /** A watched GPU: used and total bytes. */
    public record Device(int index, String uuid, long used, long total) {
    }
}
