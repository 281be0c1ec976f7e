package dev.glyphsupervisor.config;

import java.util.Objects;

/**
 * One of the user's rows of the start-failure cause table ({@code restart.causes}): a line of the server's output that
 * the regular expression {@code pattern} finds is {@code cause}; {@code retry} false says no retry can fix it. The
 * pattern compiled when the config was read.
 */
public record CauseConfig(String cause, String pattern, boolean retry) {

    public static final boolean DEFAULT_RETRY = true;

    public CauseConfig {
        Objects.requireNonNull(cause, "cause");
        Objects.requireNonNull(pattern, "pattern");
    }
}
