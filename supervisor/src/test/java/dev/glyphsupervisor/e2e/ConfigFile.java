package dev.glyphsupervisor.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** Writes a daemon config for a test: fast probes and small timeouts, each overridable by key. */
public final class ConfigFile {

    private final Path dir;
    private final Map<String, String> values = new LinkedHashMap<>();

    public ConfigFile(Path dir, int port, String command) {
        this.dir = dir;
        values.put("command", command);
        values.put("port", String.valueOf(port));
        values.put("startup_timeout", "30s");
        values.put("stop_grace", "2s");
        values.put("caches", "[]");
        values.put("schedule", "300ms");
        values.put("failure_threshold", "2");
        values.put("startup_interval", "100ms");
        values.put("http", "{url: \"http://127.0.0.1:" + port + "/health\", timeout: 1s, expect_status: 200}");
        values.put("backoff_initial", "200ms");
        values.put("backoff_max", "2s");
        values.put("backoff_reset", "1s");
        values.put("max_restarts", "10");
        values.put("window", "1m");
        values.put("memory", "");
        values.put("extra", ""); // more top-level sections (metrics, control), as YAML lines
    }

    public ConfigFile set(String key, String value) {
        if (!values.containsKey(key)) {
            throw new IllegalArgumentException("unknown test config key " + key);
        }
        values.put(key, value);
        return this;
    }

    public int port() {
        return Integer.parseInt(values.get("port"));
    }

    public Path stateDir() {
        return dir.resolve("state");
    }

    public Path audit() {
        return dir.resolve("log").resolve("audit.jsonl");
    }

    public Path runtimeLog() {
        return dir.resolve("log").resolve("runtime.log");
    }

    public Path write() {
        String yaml = "runtime:\n"
                + "  command: " + values.get("command") + "\n"
                + "  workdir: " + dir + "\n"
                + "  port: " + values.get("port") + "\n"
                + "  startup_timeout: " + values.get("startup_timeout") + "\n"
                + "  stop_grace: " + values.get("stop_grace") + "\n"
                + "  log: " + runtimeLog() + "\n"
                + "  caches: " + values.get("caches") + "\n"
                + "probes:\n"
                + "  schedule: \"" + values.get("schedule") + "\"\n"
                + "  failure_threshold: " + values.get("failure_threshold") + "\n"
                + "  startup_interval: " + values.get("startup_interval") + "\n"
                + "  http: " + values.get("http") + "\n"
                + values.get("memory")
                + "restart:\n"
                + "  backoff_initial: " + values.get("backoff_initial") + "\n"
                + "  backoff_max: " + values.get("backoff_max") + "\n"
                + "  backoff_reset: " + values.get("backoff_reset") + "\n"
                + "  kill_timeout: 5s\n"
                + "  release_timeout: 5s\n"
                + "  crash_loop: {max_restarts: " + values.get("max_restarts") + ", window: " + values.get("window") + "}\n"
                + "state_dir: " + stateDir() + "\n"
                + "audit: {path: " + audit() + "}\n"
                + values.get("extra");
        try {
            Path file = dir.resolve("supervisor.yaml");
            Files.writeString(file, yaml);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
