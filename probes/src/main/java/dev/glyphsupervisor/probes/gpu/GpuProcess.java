package dev.glyphsupervisor.probes.gpu;

/**
 * A process with a compute context on a device: its host pid and the device memory NVML charges to
 * it, or {@link #NOT_AVAILABLE} when NVML cannot tell (NVML_VALUE_NOT_AVAILABLE, e.g. under some
 * virtualisation or without permission to see other users' processes).
 */
public record GpuProcess(long pid, long usedBytes) {

    public static final long NOT_AVAILABLE = -1;

    public boolean usageKnown() {
        return usedBytes != NOT_AVAILABLE;
    }
}
