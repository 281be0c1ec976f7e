package dev.glyphsupervisor.core;

import java.time.Duration;

/**
 * The memory limits the state machine enforces; -1 (or a null duration) means no such limit.
 *
 * @param maxTreeGpu        bytes of GPU memory the server's whole tree may use
 * @param maxDeviceBytes    bytes a watched device may have in use (absolute form)
 * @param maxDeviceFraction share of a watched device's total that may be in use (percentage form)
 * @param maxTreeRss        bytes of RSS the server's whole tree may use
 * @param minAvailable      the host's MemAvailable low-water mark
 * @param trendWindow       history the growth rates are fitted over
 * @param earlyRestart      restart when a tree limit is projected to be hit within this; null: only on the limit
 */
public record MemoryLimits(long maxTreeGpu, long maxDeviceBytes, double maxDeviceFraction, long maxTreeRss,
                           long minAvailable, Duration trendWindow, Duration earlyRestart) {

    public static final MemoryLimits NONE = new MemoryLimits(-1, -1, -1, -1, -1, Duration.ofMinutes(30), null);

    /** The bytes a device of {@code total} bytes may have in use, or -1 without a device limit. */
    public long deviceLimit(long total) {
        if (maxDeviceBytes >= 0) {
            return maxDeviceBytes;
        }
        return maxDeviceFraction > 0 ? (long) (maxDeviceFraction * total) : -1;
    }
}
