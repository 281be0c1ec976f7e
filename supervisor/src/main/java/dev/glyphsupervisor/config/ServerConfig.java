package dev.glyphsupervisor.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One supervised server of the stack: everything the daemon needs to run, probe and heal it.
 *
 * @param name          its name: the key under {@code servers}, or {@link #DEFAULT_NAME} in the one-server form
 * @param requires      the servers it starts after (each healthy first), in the order written; names of this config
 * @param stateDir      its own state (runtime.json, history.json), absolute, normalized: {@code state_dir} itself in
 *                      the one-server form (where an older daemon left them), else {@code state_dir/servers/NAME}
 * @param oneServerForm written as the top-level {@code runtime}/{@code probes}/{@code restart} of the one-server
 *                      form, whose keys are named without a {@code servers.NAME.} prefix
 */
public record ServerConfig(String name, RuntimeConfig runtime, ProbesConfig probes, RestartConfig restart,
        List<String> requires, Path stateDir, boolean oneServerForm) {

    /** The name of the server of the one-server form. */
    public static final String DEFAULT_NAME = "default";
    /** Names are used in the CLI, the audit log, metric labels and paths: short, lower-case, no surprises. */
    public static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_-]*");
    public static final int MAX_NAME_LENGTH = 32;
    /** Where the servers form keeps each server's state, under state_dir. */
    public static final String SERVERS_DIR = "servers";

    public ServerConfig {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(runtime, "runtime");
        Objects.requireNonNull(probes, "probes");
        Objects.requireNonNull(restart, "restart");
        requires = List.copyOf(requires);
        Objects.requireNonNull(stateDir, "stateDir");
    }

    /** The one server of the one-server form. */
    public static ServerConfig only(RuntimeConfig runtime, ProbesConfig probes, RestartConfig restart, Path stateDir) {
        return new ServerConfig(DEFAULT_NAME, runtime, probes, restart, List.of(), stateDir, true);
    }

    /**
     * The key path of one of this server's keys, as the config file has it, for messages: {@code runtime.port} in the
     * one-server form, {@code servers.vllm.runtime.port} in the servers form; {@code key("")} is the server's own
     * mapping ({@code servers.vllm}; the document in the one-server form).
     */
    public String key(String path) {
        if (oneServerForm) {
            return path;
        }
        return SERVERS_DIR + "." + name + (path.isEmpty() ? "" : "." + path);
    }

    /** Whether {@code name} may name a server. */
    public static boolean validName(String name) {
        return name.length() <= MAX_NAME_LENGTH && NAME.matcher(name).matches();
    }
}
