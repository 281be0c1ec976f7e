package dev.glyphsupervisor.config;

import java.time.Duration;
import java.util.Objects;

/** More than {@code maxRestarts} restarts within {@code window} is a crash loop: the server goes FAILED. */
public record CrashLoopConfig(int maxRestarts, Duration window) {

    public CrashLoopConfig {
        Objects.requireNonNull(window, "window");
    }
}
