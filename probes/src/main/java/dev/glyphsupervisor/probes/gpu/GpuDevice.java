package dev.glyphsupervisor.probes.gpu;

import java.util.Objects;

/**
 * A GPU as NVML names it. The NVML handle stays inside {@link Nvml} (keyed by UUID), so a device value
 * can be kept, compared and logged without holding a pointer that dies at nvmlShutdown.
 */
public record GpuDevice(int index, String uuid, String name) {

    public GpuDevice {
        Objects.requireNonNull(uuid, "uuid");
        Objects.requireNonNull(name, "name");
    }
}
