package dev.glyphsupervisor.probes.gpu;

import java.util.Objects;

/**
 * Whether NVML can be used, and if not, why: {@code "libnvidia-ml.so.1 not found"},
 * {@code "nvmlInit failed: Driver Not Loaded (NVML_ERROR_DRIVER_NOT_LOADED)"}, {@code "NVML is closed"}.
 * Not being available is a normal state on a machine without an NVIDIA driver, so it is a value and
 * not an exception; GPU probes turn it into UNKNOWN.
 */
public record NvmlAvailability(boolean available, String reason) {

    public static final NvmlAvailability AVAILABLE = new NvmlAvailability(true, "");

    public NvmlAvailability {
        Objects.requireNonNull(reason, "reason");
    }

    public static NvmlAvailability unavailable(String reason) {
        return new NvmlAvailability(false, reason);
    }
}
