package dev.glyphsupervisor.core;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One row of the table of start-failure causes: a line of the server's output that {@code pattern} finds is
 * {@code name}; {@code retry} false says that no retry can fix it (a module not installed, a file that is not
 * there), so the supervisor stops retrying at once after a few identical failures.
 */
public record FailureCause(String name, Pattern pattern, boolean retry) {

    public FailureCause {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(pattern, "pattern");
    }

    public FailureCause(String name, String regex, boolean retry) {
        this(name, Pattern.compile(regex), retry);
    }
}
