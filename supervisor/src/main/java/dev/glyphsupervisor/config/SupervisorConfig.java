package dev.glyphsupervisor.config;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * The whole validated config, as {@link ConfigLoader#load} returns it. Immutable.
 *
 * @param source    the config file, as the caller named it (messages quote it this way)
 * @param stateDir  absolute, normalized
 * @param metrics   the Prometheus endpoint; empty (the default) means none is served
 * @param control   the control socket (default under the state directory)
 * @param locations where each key was written in {@code source}, so that later checks ({@link Preflight},
 *                  the daemon) can point at the line; every {@code ConfigLocations} equals every other,
 *                  so two configs with the same values are equal however their files were laid out
 */
public record SupervisorConfig(Path source, RuntimeConfig runtime, ProbesConfig probes, RestartConfig restart,
        Path stateDir, AuditConfig audit, Optional<MetricsConfig> metrics, ConfigLocations locations,
        ControlConfig control) {

    public SupervisorConfig {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(runtime, "runtime");
        Objects.requireNonNull(probes, "probes");
        Objects.requireNonNull(restart, "restart");
        Objects.requireNonNull(stateDir, "stateDir");
        Objects.requireNonNull(audit, "audit");
        Objects.requireNonNull(metrics, "metrics");
        Objects.requireNonNull(locations, "locations");
        Objects.requireNonNull(control, "control");
    }
}
