package dev.glyphsupervisor.core;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The memory limits the state machine enforces; an empty value means no such limit.
 *
 * @param maxTreeGpu   bytes of GPU memory the server's whole tree may use
 * @param maxDevice    what a watched device may have in use (absolute, or a share of its total)
 * @param maxTreeRss   bytes of RSS the server's whole tree may use
 * @param minAvailable the host's MemAvailable low-water mark
 * @param trendWindow  history the growth rates are fitted over
 * @param earlyRestart restart when a tree limit is projected to be hit within this; empty: only on the limit
 */
public record MemoryLimits(OptionalLong maxTreeGpu, Optional<DeviceLimit> maxDevice, OptionalLong maxTreeRss,
                           OptionalLong minAvailable, Duration trendWindow, Optional<Duration> earlyRestart) {

    public static final MemoryLimits NONE = new MemoryLimits(OptionalLong.empty(), Optional.empty(),
            OptionalLong.empty(), OptionalLong.empty(), Duration.ofMinutes(30), Optional.empty());

    public MemoryLimits {
        Objects.requireNonNull(maxTreeGpu, "maxTreeGpu");
        Objects.requireNonNull(maxDevice, "maxDevice");
        Objects.requireNonNull(maxTreeRss, "maxTreeRss");
        Objects.requireNonNull(minAvailable, "minAvailable");
        Objects.requireNonNull(trendWindow, "trendWindow");
        Objects.requireNonNull(earlyRestart, "earlyRestart");
    }

    /** The bytes a device of {@code total} bytes may have in use; empty without a device limit. */
    public OptionalLong deviceLimit(long total) {
        return maxDevice.map(limit -> OptionalLong.of(limit.bytesOf(total))).orElse(OptionalLong.empty());
    }

    /**
     * Which limits one reading is past, judged by the limits alone: no history, no projection, and no question of
     * whose the memory on a device is ({@link MemoryWatch} adds those). A figure that was not measured (-1) passes
     * no limit. {@code glyphctl probe} reports this verdict; the daemon's restart decision starts from it.
     */
    public Exceeded exceeded(MemorySample s) {
        List<DeviceOver> devices = new ArrayList<>();
        for (MemorySample.Device d : s.devices()) {
            OptionalLong limit = deviceLimit(d.total());
            if (limit.isPresent() && d.used() > limit.getAsLong()) {
                devices.add(new DeviceOver(d, limit.getAsLong()));
            }
        }
        return new Exceeded(devices, over(s.treeGpu(), maxTreeGpu), over(s.treeRss(), maxTreeRss),
                minAvailable.isPresent() && s.available() >= 0 && s.available() < minAvailable.getAsLong());
    }

    private static boolean over(long value, OptionalLong max) {
        return max.isPresent() && value >= 0 && value > max.getAsLong();
    }

    /**
     * The limits a reading is past.
     *
     * @param devices   the watched devices over the device limit, in the reading's order
     * @param treeGpu   the tree's GPU memory is over {@link #maxTreeGpu}
     * @param treeRss   the tree's RSS is over {@link #maxTreeRss}
     * @param available the host's MemAvailable is under {@link #minAvailable}
     */
    public record Exceeded(List<DeviceOver> devices, boolean treeGpu, boolean treeRss, boolean available) {

        public Exceeded {
            devices = List.copyOf(devices);
        }
    }

    /** A device over its limit: the device as read, and its limit in bytes. */
    public record DeviceOver(MemorySample.Device device, long limit) {
    }
}
