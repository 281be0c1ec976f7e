package dev.glyphsupervisor.daemon;

import dev.glyphsupervisor.core.MemorySample;
import dev.glyphsupervisor.probes.gpu.DeviceReading;
import dev.glyphsupervisor.probes.gpu.GpuMemoryProbe;
import dev.glyphsupervisor.probes.gpu.GpuProcess;
import dev.glyphsupervisor.probes.gpu.GpuReading;
import dev.glyphsupervisor.probes.host.HostMemoryProbe;
import dev.glyphsupervisor.probes.host.HostReading;
import dev.glyphsupervisor.runtime.LaunchedProcess;
import dev.glyphsupervisor.runtime.ProcInfo;
import dev.glyphsupervisor.runtime.ProcessTableCache;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/** Reads the server tree's GPU memory (NVML) and host memory (OSHI) for one liveness cycle. */
final class MemoryReader {

    private final Optional<GpuMemoryProbe> gpu;
    private final Optional<HostMemoryProbe> host;
    private final Supplier<LaunchedProcess> process;
    private final Clock clock;

    MemoryReader(Optional<GpuMemoryProbe> gpu, Optional<HostMemoryProbe> host, Supplier<LaunchedProcess> process,
                 Clock clock) {
        this.gpu = gpu;
        this.host = host;
        this.process = process;
        this.clock = clock;
    }

    boolean enabled() {
        return gpu.isPresent() || host.isPresent();
    }

    /**
     * The tree's pids now: every member of the server's session, group and descendants, for a memory reading.
     *
     * <p>From the daemon's shared process table ({@link ProcessTableCache#forMemoryReadings()}, at most
     * {@link ProcessTableCache#MEMORY_READINGS_MAX_AGE} old): every server's reading in a probe second uses one scan
     * of /proc instead of one each. Good enough for memory, and for memory only: what stops, kills or releases a tree
     * (ProcessRuntimeControl's stop, RuntimeStopper, TreeWatch, GpuRelease's pids) scans afresh through
     * {@link dev.glyphsupervisor.runtime.ProcessTree#members(LaunchedProcess)}; never hand it these pids.
     */
    Set<Long> treePids() {
        LaunchedProcess p = process.get();
        if (p == null) {
            return Set.of();
        }
        return ProcessTableCache.forMemoryReadings().membersForMemoryReading(p).stream().map(ProcInfo::pid)
                .collect(Collectors.toSet());
    }

    /** A device as the memory checks see it: who of the tree and who else holds how much of it. */
    static MemorySample.Device device(DeviceReading d, Set<Long> treePids) {
        long tree = 0;
        Map<Long, Long> others = new java.util.TreeMap<>();
        for (GpuProcess p : d.processes()) {
            if (treePids.contains(p.pid())) {
                tree = tree < 0 || !p.usageKnown() ? -1 : tree + p.usedBytes();
            } else {
                others.merge(p.pid(), p.usedBytes(), (a, b) -> a < 0 || b < 0 ? -1 : a + b);
            }
        }
        return new MemorySample.Device(d.index(), d.uuid(), d.used(), d.total(), tree, others, d.processes().size());
    }

    /** Every watched device now, with the current tree's share: for status, whatever the state. */
    GpuReading devicesNow() {
        return gpu.map(g -> g.read(treePids())).orElse(null);
    }

    MemorySample read(long generation) {
        Set<Long> pids = treePids();
        long treeGpu = -1;
        Map<Long, Long> gpuPerPid = Map.of();
        List<MemorySample.Device> devices = new ArrayList<>();
        String gpuUnknown = null;
        if (gpu.isPresent()) {
            GpuReading r = gpu.get().read(pids);
            if (r.status() == GpuReading.Status.OK) {
                treeGpu = r.treeBytes();
                gpuPerPid = r.perPid();
                for (DeviceReading d : r.devices()) {
                    devices.add(device(d, pids));
                }
                if (treeGpu < 0) {
                    gpuUnknown = r.reason(); // a tree pid whose usage NVML does not report
                }
            } else {
                gpuUnknown = r.reason();
            }
        }
        long treeRss = -1;
        Map<Long, Long> rssPerPid = Map.of();
        long available = -1;
        if (host.isPresent()) {
            HostReading h = host.get().read(pids);
            treeRss = h.treeRssBytes();
            rssPerPid = h.perPidRss();
            available = h.availableBytes();
        }
        return new MemorySample(generation, clock.instant(), treeGpu, gpuPerPid, devices, gpuUnknown, treeRss,
                rssPerPid, available);
    }
}
