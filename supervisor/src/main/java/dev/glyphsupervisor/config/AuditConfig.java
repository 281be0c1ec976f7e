package dev.glyphsupervisor.config;

import java.nio.file.Path;
import java.util.Objects;

/**
 * The audit log (JSON Lines).
 *
 * @param path     absolute, normalized
 * @param maxBytes rotate when the file would grow past this
 * @param keep     how many rotated files to keep
 */
public record AuditConfig(Path path, long maxBytes, int keep) {

    public AuditConfig {
        Objects.requireNonNull(path, "path");
    }
}
