package dev.glyphsupervisor.cli;

import picocli.CommandLine.Option;

import dev.glyphsupervisor.config.ConfigException;
import dev.glyphsupervisor.config.ConfigLoader;
import dev.glyphsupervisor.config.Preflight;
import dev.glyphsupervisor.config.SupervisorConfig;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code --config F}, shared by the commands. Without it: /etc/glyph-supervisor/supervisor.yaml when
 * it exists (an installed system), even where this user cannot see it, else the project's conf/glyph-supervisor.yaml (found through the
 * glyph.home property that bin/glyphctl sets, else the working directory).
 */
public final class ConfigOption {

    static final Path SYSTEM_CONFIG = Path.of("/etc/glyph-supervisor/supervisor.yaml");

    @Option(names = {"-c", "--config"}, paramLabel = "FILE", description = "Config file (default: ${DEFAULT-VALUE}).",
            defaultValue = "")
    Path config;

    /**
     * The config, loaded and (with {@code preflight}) checked against this machine; or null after printing
     * every problem to the command's error stream, when the caller should exit with {@link Glyphctl#EXIT_USAGE}.
     */
    SupervisorConfig loadOrReport(CommandSpec spec, boolean preflight) {
        PrintWriter err = spec.commandLine().getErr();
        try {
            SupervisorConfig config = ConfigLoader.load(resolve());
            List<String> problems = new java.util.ArrayList<>(preflight ? Preflight.check(config) : List.of());
            if (problems.isEmpty()) {
                return config;
            }
            problems.forEach(err::println);
        } catch (ConfigException e) {
            err.println(e.getMessage());
        }
        err.flush();
        return null;
    }

    Path resolve() {
        if (config != null && !config.toString().isEmpty()) {
            return config;
        }
        // notExists is false both when the file is there and when a closed directory (root:glyph 0750) hides it
        // from this user: an installed system's config, unreadable to an outsider, is still the one meant, and
        // reading it says why it cannot be read; the project's config would be the wrong file.
        if (!Files.notExists(SYSTEM_CONFIG)) {
            return SYSTEM_CONFIG;
        }
        String home = System.getProperty("glyph.home", ".");
        return Path.of(home, "conf", "glyph-supervisor.yaml");
    }
}
