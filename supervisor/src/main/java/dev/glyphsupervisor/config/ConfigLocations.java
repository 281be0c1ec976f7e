package dev.glyphsupervisor.config;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * Where each value of a loaded config was written, by key path ({@code runtime.command[0]},
 * {@code probes.http.url}), so that problems found after loading (by {@link Preflight}, or the daemon)
 * read like load errors: {@code FILE:LINE:COL: key.path: message}.
 *
 * <p>A key that was not written (its default applies) is placed at the nearest enclosing key that was,
 * or at the top of the file. Locations are metadata, not part of the config's value, so every instance
 * equals every other: see {@link SupervisorConfig}.
 */
public final class ConfigLocations {

    private final String file;
    private final Map<String, Location> byKeyPath;

    private ConfigLocations(String file, Map<String, Location> byKeyPath) {
        this.file = file;
        this.byKeyPath = Map.copyOf(byKeyPath);
    }

    static ConfigLocations of(Path file, Map<String, Location> byKeyPath) {
        return new ConfigLocations(file.toString(), byKeyPath);
    }

    /** For a config built in code: messages name the file but no line. */
    public static ConfigLocations unknown(Path source) {
        return new ConfigLocations(String.valueOf(source), Map.of());
    }

    /** {@code FILE:LINE:COL: keyPath: message}, or {@code FILE: keyPath: message} where no line is known. */
    public String problem(String keyPath, String message) {
        return where(keyPath) + ": " + keyPath + ": " + message;
    }

    /** {@code FILE:LINE:COL} of the key path (or of its nearest written ancestor), or {@code FILE}. */
    public String where(String keyPath) {
        return locate(keyPath).map(location -> file + ":" + location).orElse(file);
    }

    Optional<Location> locate(String keyPath) {
        for (String path = keyPath; path != null; path = parent(path)) {
            Location location = byKeyPath.get(path);
            if (location != null) {
                return Optional.of(location);
            }
        }
        return Optional.empty();
    }

    /** {@code a.b[2]} → {@code a.b} → {@code a} → {@code ""} (the document) → null. */
    private static String parent(String keyPath) {
        if (keyPath.isEmpty()) {
            return null;
        }
        int cut = keyPath.endsWith("]") ? keyPath.lastIndexOf('[') : keyPath.lastIndexOf('.');
        return cut < 0 ? "" : keyPath.substring(0, cut);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof ConfigLocations;
    }

    @Override
    public int hashCode() {
        return ConfigLocations.class.hashCode();
    }

    @Override
    public String toString() {
        return "ConfigLocations[" + file + ", " + byKeyPath.size() + " keys]";
    }
}
