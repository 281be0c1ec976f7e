package dev.glyphsupervisor.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * GPU memory through NVML.
 *
 * @param devices          indexes or UUIDs to watch; empty: every device
 * @param maxProcessMemory limit on the sum of NVML's usedGpuMemory over every pid of the server's tree
 * @param maxDeviceMemory  limit on a watched device's used memory, absolute or a share of its total
 * @param library          where libnvidia-ml.so.1 is, for unusual driver locations; empty: the loader finds it
 * @param releaseTimeout   how long to wait, before a relaunch, for the old tree's GPU memory to come back
 * @param releaseMargin    how far above its pre-launch baseline a device's used memory may stay and count as released
 */
public record GpuProbeConfig(List<String> devices, OptionalLong maxProcessMemory, Optional<MemoryLimit> maxDeviceMemory,
        Optional<Path> library, Duration releaseTimeout, long releaseMargin) {

    public static final Duration DEFAULT_RELEASE_TIMEOUT = Duration.ofSeconds(60);
    public static final long DEFAULT_RELEASE_MARGIN = 512L << 20;

    public GpuProbeConfig {
        devices = List.copyOf(devices);
        Objects.requireNonNull(maxProcessMemory, "maxProcessMemory");
        Objects.requireNonNull(maxDeviceMemory, "maxDeviceMemory");
        Objects.requireNonNull(library, "library");
        Objects.requireNonNull(releaseTimeout, "releaseTimeout");
    }
}
