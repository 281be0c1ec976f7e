package dev.glyphsupervisor.config;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The path rules of a config file: {@code ${config_dir}} is the absolute directory of the file, and a
 * relative path is relative to that directory (not to wherever the daemon happened to be started), so a
 * config and the scripts beside it can move together.
 */
final class ConfigPaths {

    static final String CONFIG_DIR = "${config_dir}";
    private static final Pattern VARIABLE = Pattern.compile("\\$\\{[^}]*}");

    private final Path configDir;

    ConfigPaths(Path configFile) {
        this.configDir = configFile.toAbsolutePath().normalize().getParent();
    }

    Path configDir() {
        return configDir;
    }

    /** Replaces {@code ${config_dir}}; leaves everything else as written. */
    String expand(String text) {
        return text.replace(CONFIG_DIR, configDir.toString());
    }

    /** Expands, then resolves against the config directory and normalizes. */
    Path resolve(String text) {
        Path path;
        try {
            path = Path.of(expandStrictly(text));
        } catch (InvalidPathException invalid) {
            throw new IllegalArgumentException("'" + text + "' is not a valid path: " + invalid.getReason()
                    + fileNameEncodingHint());
        }
        return configDir.resolve(path).normalize();
    }

    /**
     * A valid UTF-8 path is refused when the JVM encodes file names in another codeset, taken from its locale at
     * start (sun.jnu.encoding; no -D changes it in JDK 17): the case of java run directly, not through bin/glyphctl.
     */
    private static String fileNameEncodingHint() {
        String encoding = System.getProperty("sun.jnu.encoding");
        return "UTF-8".equalsIgnoreCase(encoding) ? ""
                : " (this JVM encodes file names as " + encoding + ", from its locale: run it through bin/glyphctl"
                        + " or with LC_ALL=C.UTF-8)";
    }

    /**
     * Expands, refusing any other {@code ${...}}: a path field holding {@code ${HOME}} would otherwise name
     * a directory literally called "${HOME}", which is never what was meant.
     */
    String expandStrictly(String text) {
        if (text.isBlank()) {
            throw new IllegalArgumentException("empty path");
        }
        String expanded = expand(text);
        Matcher unknown = VARIABLE.matcher(expanded);
        if (unknown.find()) {
            throw new IllegalArgumentException("unknown variable " + unknown.group() + " in '" + text + "'; only "
                    + CONFIG_DIR + " is expanded");
        }
        return expanded;
    }
}
