package dev.glyphsupervisor.config;

import java.time.Duration;
import java.util.Objects;

/** More than {@code maxRestarts} restarts within {@code window} is a crash loop: the server goes FAILED. */
public record CrashLoopConfig(int maxRestarts, Duration window) {

    public static final int DEFAULT_MAX_RESTARTS = 5;
    public static final Duration DEFAULT_WINDOW = Duration.ofMinutes(10);

    public CrashLoopConfig {
        Objects.requireNonNull(window, "window");
    }
}
