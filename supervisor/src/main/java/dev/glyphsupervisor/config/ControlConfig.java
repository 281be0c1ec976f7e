package dev.glyphsupervisor.config;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * The control channel: a Unix domain socket, never TCP.
 *
 * @param socket the socket file (default {@code <state_dir>/control.sock})
 * @param mode   its permission bits (default 0660: owner and group may drive the daemon)
 * @param group  the group that owns it, when not the daemon's own
 */
public record ControlConfig(Path socket, int mode, Optional<String> group) {

    public static final int DEFAULT_MODE = 0660;
    public static final String DEFAULT_SOCKET_NAME = "control.sock";

    public ControlConfig {
        Objects.requireNonNull(socket, "socket");
        Objects.requireNonNull(group, "group");
    }

    static ControlConfig defaults(Path stateDir) {
        return new ControlConfig(stateDir.resolve(DEFAULT_SOCKET_NAME), DEFAULT_MODE, Optional.empty());
    }
}
