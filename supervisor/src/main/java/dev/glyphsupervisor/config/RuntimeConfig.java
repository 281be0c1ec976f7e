package dev.glyphsupervisor.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * The supervised server: how to launch it and where its output goes.
 *
 * @param command   program and arguments, never through a shell; not empty
 * @param workdir   absolute, normalized
 * @param env       added to the supervisor's own environment (in file order)
 * @param port      the port it listens on, when known: probed over TCP and checked free before a launch
 * @param log       the server's stdout and stderr, absolute
 * @param caches    absolute globs cleared between a stop and the next launch
 * @param home      the user's home directory (the {@code user.home} of the load) that {@code caches} were judged
 *                  safe against; the cleaner guards its deletes with this same one
 */
public record RuntimeConfig(List<String> command, Path workdir, Map<String, String> env, OptionalInt port,
        Duration startupTimeout, Duration stopGrace, Path log, long logMaxBytes, List<String> caches, Path home) {

    public static final Duration DEFAULT_STARTUP_TIMEOUT = Duration.ofMinutes(10);
    public static final Duration DEFAULT_STOP_GRACE = Duration.ofSeconds(20);
    /** The log's name in the state directory. */
    public static final String DEFAULT_LOG_NAME = "runtime.log";
    public static final long DEFAULT_LOG_MAX_BYTES = 64L << 20;

    public RuntimeConfig {
        command = List.copyOf(command);
        Objects.requireNonNull(workdir, "workdir");
        env = Collections.unmodifiableMap(new LinkedHashMap<>(env));
        Objects.requireNonNull(port, "port");
        Objects.requireNonNull(startupTimeout, "startupTimeout");
        Objects.requireNonNull(stopGrace, "stopGrace");
        Objects.requireNonNull(log, "log");
        caches = List.copyOf(caches);
        Objects.requireNonNull(home, "home");
    }
}
