package dev.glyphsupervisor.probes.gpu;

import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * One reading of the GPU memory a process tree holds, for the supervisor's thresholds.
 *
 * @param status   OK when every configured device was read; UNKNOWN when NVML is missing, there is no
 *                 device, or a call failed ({@link #reason} says which, naming GPU_IS_LOST and
 *                 RESET_REQUIRED as such). UNKNOWN must never restart a server by itself.
 * @param reason   why UNKNOWN, or, when OK, why {@link #treeBytes} is -1; empty otherwise
 * @param treeBytes the sum of usedGpuMemory over every tree pid on every device read, or -1 when unknown:
 *                 the status is UNKNOWN, or NVML said NOT_AVAILABLE for a tree pid (then the device figures
 *                 are still good, and {@link #perPid} shows -1 for that pid)
 * @param perPid   tree pids seen on the devices, with their usage summed over devices (-1: not available),
 *                 in pid order; tree pids with no GPU context are absent
 * @param devices  what each device reported, all of its processes included
 * @param latency  how long the reading took
 */
public record GpuReading(Status status, String reason, long treeBytes, Map<Long, Long> perPid,
                         List<DeviceReading> devices, Duration latency) {

    public enum Status { OK, UNKNOWN }

    public GpuReading {
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(latency, "latency");
        reason = reason == null ? "" : reason;
        perPid = Collections.unmodifiableMap(new TreeMap<>(perPid));
        devices = List.copyOf(devices);
    }

    static GpuReading unknown(String reason, Duration latency) {
        return new GpuReading(Status.UNKNOWN, reason, -1, Map.of(), List.of(), latency);
    }
}
