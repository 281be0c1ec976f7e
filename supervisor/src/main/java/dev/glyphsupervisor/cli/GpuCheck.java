package dev.glyphsupervisor.cli;

import dev.glyphsupervisor.config.GpuProbeConfig;
import dev.glyphsupervisor.core.MemoryLimits;
import dev.glyphsupervisor.core.MemorySample;
import dev.glyphsupervisor.probes.Probe;
import dev.glyphsupervisor.probes.ProbeResult;
import dev.glyphsupervisor.probes.gpu.DeviceReading;
import dev.glyphsupervisor.probes.gpu.GpuMemoryProbe;
import dev.glyphsupervisor.probes.gpu.GpuProcess;
import dev.glyphsupervisor.probes.gpu.GpuReading;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * One NVML reading as a probe result: every watched device with its memory and compute processes, the
 * tree's sum, and FAILURE where the config's limits are already exceeded, as core's {@link MemoryLimits} judges
 * them. No NVML is UNKNOWN, as in the daemon.
 */
final class GpuCheck implements Probe {

    private final GpuMemoryProbe probe;
    private final GpuProbeConfig config;
    private final MemoryLimits limits;
    private final Set<Long> treePids;

    /** {@code config} only names the limits in the output; {@code limits} judges them. */
    GpuCheck(GpuMemoryProbe probe, GpuProbeConfig config, MemoryLimits limits, Set<Long> treePids) {
        this.probe = probe;
        this.config = config;
        this.limits = limits;
        this.treePids = treePids;
    }

    @Override
    public String name() {
        return "gpu";
    }

    @Override
    public ProbeResult check() {
        GpuReading reading = probe.read(treePids);
        if (reading.status() == GpuReading.Status.UNKNOWN) {
            return ProbeResult.unknown(name(), reading.reason(), reading.latency());
        }
        MemoryLimits.Exceeded exceeded = limits.exceeded(sample(reading));
        Set<Integer> devicesOver = exceeded.devices().stream().map(o -> o.device().index()).collect(Collectors.toSet());
        List<String> parts = new ArrayList<>();
        List<String> over = new ArrayList<>();
        for (DeviceReading d : reading.devices()) {
            parts.add("GPU " + d.index() + " " + d.name() + ": " + Bytes.human(d.used()) + " of " + Bytes.human(d.total())
                    + " used, processes " + processes(d.processes()));
            if (devicesOver.contains(d.index())) {
                over.add("GPU " + d.index() + " used " + Bytes.human(d.used()) + " > max_device_memory "
                        + config.maxDeviceMemory().orElseThrow());
            }
        }
        if (!treePids.isEmpty()) {
            parts.add("server pids " + treePids + ": " + Bytes.human(reading.treeBytes()));
            if (exceeded.treeGpu()) {
                over.add("server " + Bytes.human(reading.treeBytes()) + " > max_process_memory "
                        + Bytes.human(limits.maxTreeGpu().getAsLong()));
            }
        }
        if (!reading.reason().isEmpty()) {
            parts.add(reading.reason());
        }
        String detail = String.join("; ", parts);
        return over.isEmpty()
                ? ProbeResult.success(name(), detail, reading.latency())
                : ProbeResult.failure(name(), String.join("; ", over) + "; " + detail, reading.latency());
    }

    /** The reading as core sees one: the devices, and the tree's sum where there is a tree (no figure otherwise). */
    private MemorySample sample(GpuReading reading) {
        List<MemorySample.Device> devices = reading.devices().stream()
                .map(d -> new MemorySample.Device(d.index(), d.uuid(), d.used(), d.total())).toList();
        return new MemorySample(0, Instant.EPOCH, treePids.isEmpty() ? -1 : reading.treeBytes(), reading.perPid(),
                devices, null, -1, Map.of(), -1);
    }

    private static String processes(List<GpuProcess> processes) {
        if (processes.isEmpty()) {
            return "none";
        }
        return processes.stream().map(p -> p.pid() + " (" + Bytes.human(p.usedBytes()) + ")")
                .collect(Collectors.joining(", "));
    }
}
