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

    /**
     * A watched GPU: used and total bytes, and who holds them as NVML lists its compute processes.
     *
     * @param tree   bytes the server's tree holds on this device (-1: NVML gives no figure for one of its pids)
     * @param others the other processes listed on this device, pid → bytes (-1: no figure): not the server's
     * @param listed how many processes NVML lists on this device (-1: not known); with none listed while memory
     *               is in use, NVML cannot say whose it is (a container that sees no pids)
     */
    public record Device(int index, String uuid, long used, long total, long tree, Map<Long, Long> others, int listed) {

        public Device {
            others = Map.copyOf(others);
        }

        /** Without a breakdown by process: nothing can be attributed. */
        public Device(int index, String uuid, long used, long total) {
            this(index, uuid, used, total, -1, Map.of(), -1);
        }

        /** The bytes in use that no listed process accounts for (the driver's, or processes NVML does not list). */
        public long unowned() {
            long listedBytes = Math.max(0, tree);
            for (long b : others.values()) {
                listedBytes += Math.max(0, b);
            }
            return Math.max(0, used - listedBytes);
        }

        /** Whether NVML says who holds this device's memory: it lists processes and has a figure for the tree. */
        public boolean attributable() {
            return listed > 0 && tree >= 0;
        }
    }
}
