package dev.glyphsupervisor.cli;

import dev.glyphsupervisor.config.ConfigException;
import dev.glyphsupervisor.config.ConfigLoader;
import dev.glyphsupervisor.control.ControlClient;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/**
 * How a command finds its daemon: {@code --socket PATH}, else the control socket named by the config (only its
 * {@code state_dir} and {@code control} keys are read: the daemon checked the rest when it started).
 */
public final class DaemonAddress {

    @Option(names = "--socket", paramLabel = "PATH", description = "The daemon's control socket (default: from the config).")
    Path socket;

    @Mixin
    ConfigOption configOption;

    ControlClient client() throws ConfigException {
        if (socket != null) {
            return new ControlClient(socket);
        }
        return new ControlClient(ConfigLoader.loadControl(configOption.resolve()).socket());
    }
}
