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
 */
public record RuntimeConfig(List<String> command, Path workdir, Map<String, String> env, OptionalInt port,
        Duration startupTimeout, Duration stopGrace, Path log, long logMaxBytes, List<String> caches) {

    public RuntimeConfig {
        command = List.copyOf(command);
        Objects.requireNonNull(workdir, "workdir");
        env = Collections.unmodifiableMap(new LinkedHashMap<>(env));
        Objects.requireNonNull(port, "port");
        Objects.requireNonNull(startupTimeout, "startupTimeout");
        Objects.requireNonNull(stopGrace, "stopGrace");
        Objects.requireNonNull(log, "log");
        caches = List.copyOf(caches);
    }
}
