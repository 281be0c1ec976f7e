package dev.glyphsupervisor.cli;

import dev.glyphsupervisor.config.GpuProbeConfig;
import dev.glyphsupervisor.probes.Probe;
import dev.glyphsupervisor.probes.ProbeResult;
import dev.glyphsupervisor.probes.gpu.DeviceReading;
import dev.glyphsupervisor.probes.gpu.GpuMemoryProbe;
import dev.glyphsupervisor.probes.gpu.GpuProcess;
import dev.glyphsupervisor.probes.gpu.GpuReading;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * One NVML reading as a probe result: every watched device with its memory and compute processes, the
 * tree's sum, and FAILURE where the config's limits are already exceeded. No NVML is UNKNOWN, as in the daemon.
 */
final class GpuCheck implements Probe {

    private final GpuMemoryProbe probe;
    private final GpuProbeConfig config;
    private final Set<Long> treePids;

    GpuCheck(GpuMemoryProbe probe, GpuProbeConfig config, Set<Long> treePids) {
        this.probe = probe;
        this.config = config;
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
        List<String> parts = new ArrayList<>();
        List<String> over = new ArrayList<>();
        for (DeviceReading d : reading.devices()) {
            parts.add("GPU " + d.index() + " " + d.name() + ": " + Bytes.human(d.used()) + " of " + Bytes.human(d.total())
                    + " used, processes " + processes(d.processes()));
            config.maxDeviceMemory().ifPresent(limit -> {
                if (d.used() > limit.bytesOf(d.total())) {
                    over.add("GPU " + d.index() + " used " + Bytes.human(d.used()) + " > max_device_memory " + limit);
                }
            });
        }
        if (!treePids.isEmpty()) {
            parts.add("server pids " + treePids + ": " + Bytes.human(reading.treeBytes()));
            config.maxProcessMemory().ifPresent(limit -> {
                if (reading.treeBytes() > limit) {
                    over.add("server " + Bytes.human(reading.treeBytes()) + " > max_process_memory " + Bytes.human(limit));
                }
            });
        }
        if (!reading.reason().isEmpty()) {
            parts.add(reading.reason());
        }
        String detail = String.join("; ", parts);
        return over.isEmpty()
                ? ProbeResult.success(name(), detail, reading.latency())
                : ProbeResult.failure(name(), String.join("; ", over) + "; " + detail, reading.latency());
    }

    private static String processes(List<GpuProcess> processes) {
        if (processes.isEmpty()) {
            return "none";
        }
        return processes.stream().map(p -> p.pid() + " (" + Bytes.human(p.usedBytes()) + ")")
                .collect(Collectors.joining(", "));
    }
}
