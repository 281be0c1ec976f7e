package dev.glyphsupervisor.config;

import java.util.List;

/**
 * A config that cannot be used. {@link #getMessage()} is one line per problem, each
 * {@code FILE:LINE:COL: key.path: message} (problems about the file as a whole have no key path, and
 * those found before any YAML was read, such as a missing file, have no line).
 */
public final class ConfigException extends Exception {

    private final List<String> problems;

    public ConfigException(List<String> problems) {
        super(String.join("\n", problems));
        if (problems.isEmpty()) {
            throw new IllegalArgumentException("a ConfigException needs at least one problem");
        }
        this.problems = List.copyOf(problems);
    }

    /** Every problem found, in file order. */
    public List<String> problems() {
        return problems;
    }
}
