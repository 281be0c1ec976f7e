package dev.glyphsupervisor.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The whole validated config, as {@link ConfigLoader#load} returns it. Immutable.
 *
 * @param source    the config file, as the caller named it (messages quote it this way)
 * @param servers   the servers of the stack, in file order; one (named {@code default}) in the one-server form;
 *                  names unique, every {@code requires} names one of them, no cycle
 * @param stateDir  absolute, normalized: the daemon's lock, the default audit log and control socket
 * @param metrics   the Prometheus endpoint; empty (the default) means none is served
 * @param control   the control socket (default under the state directory)
 * @param locations where each key was written in {@code source}, so that later checks ({@link Preflight},
 *                  the daemon) can point at the line; every {@code ConfigLocations} equals every other,
 *                  so two configs with the same values are equal however their files were laid out
 */
public record SupervisorConfig(Path source, List<ServerConfig> servers, Path stateDir, AuditConfig audit,
        Optional<MetricsConfig> metrics, ConfigLocations locations, ControlConfig control) {

    public SupervisorConfig {
        Objects.requireNonNull(source, "source");
        servers = List.copyOf(servers);
        if (servers.isEmpty()) {
            throw new IllegalArgumentException("a config has at least one server");
        }
        Objects.requireNonNull(stateDir, "stateDir");
        Objects.requireNonNull(audit, "audit");
        Objects.requireNonNull(metrics, "metrics");
        Objects.requireNonNull(locations, "locations");
        Objects.requireNonNull(control, "control");
    }

    /** The server of that name. */
    public Optional<ServerConfig> server(String name) {
        return servers.stream().filter(server -> server.name().equals(name)).findFirst();
    }

    /** The servers' names, in file order. */
    public List<String> serverNames() {
        return servers.stream().map(ServerConfig::name).toList();
    }

    /** Written in the one-server form (top-level {@code runtime}, {@code probes}, {@code restart}). */
    public boolean oneServerForm() {
        return servers.size() == 1 && servers.get(0).oneServerForm();
    }

    /**
     * The one server of a stack of one (the one-server form's, or a servers: map of one); throws
     * IllegalStateException when there are several.
     */
    public ServerConfig onlyServer() {
        if (servers.size() != 1) {
            throw new IllegalStateException("several servers (" + servers.stream().map(ServerConfig::name)
                    .collect(Collectors.joining(", ")) + ") where this code handles one");
        }
        return servers.get(0);
    }
}
