package dev.glyphsupervisor.probes.gpu;

/** The nvmlReturn_t values we act on or name in messages (nvml.h). */
final class NvmlReturn {

    static final int SUCCESS = 0;
    static final int INSUFFICIENT_SIZE = 7;
    static final int GPU_IS_LOST = 15;
    static final int RESET_REQUIRED = 16;

    private static final String[] NAMES = {
        "NVML_SUCCESS", "NVML_ERROR_UNINITIALIZED", "NVML_ERROR_INVALID_ARGUMENT", "NVML_ERROR_NOT_SUPPORTED",
        "NVML_ERROR_NO_PERMISSION", "NVML_ERROR_ALREADY_INITIALIZED", "NVML_ERROR_NOT_FOUND",
        "NVML_ERROR_INSUFFICIENT_SIZE", "NVML_ERROR_INSUFFICIENT_POWER", "NVML_ERROR_DRIVER_NOT_LOADED",
        "NVML_ERROR_TIMEOUT", "NVML_ERROR_IRQ_ISSUE", "NVML_ERROR_LIBRARY_NOT_FOUND", "NVML_ERROR_FUNCTION_NOT_FOUND",
        "NVML_ERROR_CORRUPTED_INFOROM", "NVML_ERROR_GPU_IS_LOST", "NVML_ERROR_RESET_REQUIRED",
        "NVML_ERROR_OPERATING_SYSTEM", "NVML_ERROR_LIB_RM_VERSION_MISMATCH", "NVML_ERROR_IN_USE", "NVML_ERROR_MEMORY",
        "NVML_ERROR_NO_DATA", "NVML_ERROR_VGPU_ECC_NOT_ENABLED", "NVML_ERROR_INSUFFICIENT_RESOURCES",
        "NVML_ERROR_FREQ_NOT_SUPPORTED", "NVML_ERROR_ARGUMENT_VERSION_MISMATCH", "NVML_ERROR_DEPRECATED",
        "NVML_ERROR_NOT_READY", "NVML_ERROR_GPU_NOT_FOUND", "NVML_ERROR_INVALID_STATE",
    };

    private NvmlReturn() {
    }

    /** The symbolic name, e.g. {@code NVML_ERROR_GPU_IS_LOST}, for logs that outlive a driver's wording. */
    static String name(int code) {
        if (code >= 0 && code < NAMES.length) {
            return NAMES[code];
        }
        return code == 999 ? "NVML_ERROR_UNKNOWN" : "nvmlReturn " + code;
    }
}
