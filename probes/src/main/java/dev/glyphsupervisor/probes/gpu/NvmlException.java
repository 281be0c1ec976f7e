package dev.glyphsupervisor.probes.gpu;

/**
 * An NVML call returned an error. The message names the call, NVML's own wording and the symbolic
 * code, so an audit record is clear without nvml.h at hand. {@link #gpuLost()} and
 * {@link #resetRequired()} single out the two errors a restart of the server cannot fix.
 */
public final class NvmlException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final int code;
    private final String nvmlMessage;

    NvmlException(String function, int code, String nvmlMessage) {
        super(function + " failed: " + nvmlMessage + " (" + NvmlReturn.name(code) + ")");
        this.code = code;
        this.nvmlMessage = nvmlMessage;
    }

    /** The nvmlReturn_t value. */
    public int code() {
        return code;
    }

    /** NVML's nvmlErrorString for {@link #code()}. */
    public String nvmlMessage() {
        return nvmlMessage;
    }

    /** NVML_ERROR_GPU_IS_LOST (15): the GPU fell off the bus or stopped answering. */
    public boolean gpuLost() {
        return code == NvmlReturn.GPU_IS_LOST;
    }

    /** NVML_ERROR_RESET_REQUIRED (16): the GPU needs a reset or a reboot before it is usable again. */
    public boolean resetRequired() {
        return code == NvmlReturn.RESET_REQUIRED;
    }
}
