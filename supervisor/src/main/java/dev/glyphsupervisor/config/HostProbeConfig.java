package dev.glyphsupervisor.config;

import java.util.Objects;
import java.util.OptionalLong;

/**
 * Host memory through OSHI.
 *
 * @param maxRss       limit on the summed RSS of every process of the server's tree
 * @param minAvailable low-water mark of the host's MemAvailable
 */
public record HostProbeConfig(OptionalLong maxRss, OptionalLong minAvailable) {

    public HostProbeConfig {
        Objects.requireNonNull(maxRss, "maxRss");
        Objects.requireNonNull(minAvailable, "minAvailable");
    }
}
