package dev.glyphsupervisor.metrics;

import java.util.Objects;

/**
 * One GPU device's memory as NVML reported it, for {@link SupervisorMetrics#memory}.
 *
 * @param index NVML's device index (the {@code device} label)
 * @param uuid  NVML's device UUID (the {@code uuid} label), stable across reboots where the index is not
 * @param used  bytes in use on the device; negative when unknown (then not exported)
 * @param total the device's bytes; negative when unknown (then not exported)
 */
public record DeviceMemory(int index, String uuid, long used, long total) {

    public DeviceMemory {
        Objects.requireNonNull(uuid, "uuid (\"\" when NVML gave none)");
    }
}
