package dev.glyphsupervisor.runtime;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What to start and where its output goes.
 *
 * @param command     the server's argv, passed verbatim (no shell parsing, no quoting, no variable expansion)
 * @param workdir     the working directory; null keeps the daemon's
 * @param env         overrides on top of the daemon's own environment; null means none
 * @param log         the file that receives stdout and stderr (appended; its parent is created)
 * @param logMaxBytes the log is rotated at launch when larger than this; 0 or less means no bound
 * @param marker      put into the server's environment as {@link ProcessTree#MARKER}, so that every process of its
 *                    tree can be found whatever it does to its session and parent; null for none
 */
public record LaunchSpec(List<String> command, Path workdir, Map<String, String> env, Path log, long logMaxBytes,
                         String marker) {

    public LaunchSpec {
        command = List.copyOf(Objects.requireNonNull(command, "command"));
        if (command.isEmpty()) {
            throw new IllegalArgumentException("command is empty");
        }
        env = env == null ? Map.of() : Map.copyOf(env);
        Objects.requireNonNull(log, "log");
        if (marker != null && marker.isEmpty()) {
            throw new IllegalArgumentException("an empty marker would mark nothing");
        }
    }
}
