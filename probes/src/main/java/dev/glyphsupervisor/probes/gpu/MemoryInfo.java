package dev.glyphsupervisor.probes.gpu;

/**
 * A device's memory in bytes. From nvmlDeviceGetMemoryInfo_v2 where the driver has it, whose
 * {@code used} leaves out what the driver reserves for itself; from the v1 call otherwise, whose
 * {@code used} includes it.
 */
public record MemoryInfo(long total, long used, long free) {
}
