package dev.glyphsupervisor.cli;

import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code --config F}, shared by the commands. Without it: /etc/glyph-supervisor/supervisor.yaml when
 * it exists (an installed system), else the project's conf/glyph-supervisor.yaml (found through the
 * glyph.home property that bin/glyphctl sets, else the working directory).
 */
public final class ConfigOption {

    static final Path SYSTEM_CONFIG = Path.of("/etc/glyph-supervisor/supervisor.yaml");

    @Option(names = {"-c", "--config"}, paramLabel = "FILE", description = "Config file (default: ${DEFAULT-VALUE}).",
            defaultValue = "")
    Path config;

    Path resolve() {
        if (config != null && !config.toString().isEmpty()) {
            return config;
        }
        if (Files.exists(SYSTEM_CONFIG)) {
            return SYSTEM_CONFIG;
        }
        String home = System.getProperty("glyph.home", ".");
        return Path.of(home, "conf", "glyph-supervisor.yaml");
    }
}
