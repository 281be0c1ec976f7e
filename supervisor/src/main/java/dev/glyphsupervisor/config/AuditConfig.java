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

    /** The audit log's name in the state directory. */
    public static final String DEFAULT_FILE_NAME = "audit.jsonl";
    public static final long DEFAULT_MAX_BYTES = 64L << 20;
    public static final int DEFAULT_KEEP = 5;

    public AuditConfig {
        Objects.requireNonNull(path, "path");
    }
}
