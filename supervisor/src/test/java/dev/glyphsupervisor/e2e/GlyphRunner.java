package dev.glyphsupervisor.e2e;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.stream.Collectors;

/** glyph-supervisor under comparison: {@code bin/glyphctl daemon} on a config written for the scenario. */
final class GlyphRunner implements Supervised {

    static final Path LAUNCHER = ServerProgram.REPO.resolve("bin").resolve("glyphctl");

    private final Optional<Path> fakeNvml;
    private DaemonProcess daemon;
    private ServerProgram program;
    private Path config;
    private Path runtimeLog;
    private Path nvmlScript;

    /** Without a GPU probe. */
    GlyphRunner() {
        this(Optional.empty());
    }

    /** With the GPU probe on the fake libnvidia-ml.so.1 at {@code fakeNvml} in the PROBE_CYCLES scenario. */
    GlyphRunner(Optional<Path> fakeNvml) {
        this.fakeNvml = fakeNvml;
    }

    @Override
    public String name() {
        return "glyph-supervisor " + Executables.output(List.of(LAUNCHER.toString(), "--version"), Map.of()).strip();
    }

    @Override
    public void start(ServerProgram program, Scenario scenario) throws IOException {
        this.program = program;
        Map<String, String> env = Map.of();
        Path audit;
        if (program.glyphConfig().isPresent()) {
            config = program.glyphConfig().get();
            audit = program.dir().resolve("run/log/audit.jsonl");
            runtimeLog = program.dir().resolve("run/log/embeddings.log"); // the default config's embeddings server (ServerProgram)
        } else {
            String command = program.argv().stream().map(a -> "\"" + a + "\"").collect(Collectors.joining(", ", "[", "]"));
            ConfigFile file = new ConfigFile(program.dir(), program.port(), command);
            switch (scenario) {
                case DEATHS -> file.set("schedule", "0 * * * * ?").set("backoff_reset", "1s").set("max_restarts", "100000");
                case HANGS -> file.set("schedule", "1s").set("failure_threshold", "2").set("backoff_reset", "1s")
                        .set("max_restarts", "100000");
                case IDLE -> file.set("schedule", "0 * * * * ?");
                case PROBE_CYCLES -> {
                    file.set("schedule", "250ms");
                    if (fakeNvml.isPresent()) {
                        nvmlScript = program.dir().resolve("nvml-script.txt");
                        gpuScript(List.of());
                        file.set("memory", "  gpu: {library: \"" + fakeNvml.get() + "\", max_process_memory: 40GiB}\n");
                        env = Map.of("FAKE_NVML_SCRIPT", nvmlScript.toString());
                    }
                }
                case OWN_CONFIG -> throw new IllegalArgumentException("the program has no glyph-supervisor config of its own");
            }
            config = file.write();
            audit = file.audit();
            runtimeLog = file.runtimeLog();
        }
        daemon = DaemonProcess.startWithLauncher(config, audit, env);
    }

    /** Rewrites the fake NVML's script: one 80 GiB H100 with 2 GiB used, and these pids using 1 GiB each. */
    void gpuScript(List<Long> pids) throws IOException {
        long gib = 1L << 30;
        StringBuilder sb = new StringBuilder("device GPU-00000000-fake-0000-0000-000000000000 ")
                .append(80 * gib).append(' ').append(2 * gib).append(" NVIDIA H100 80GB HBM3\n");
        for (long pid : pids) {
            sb.append("process 0 ").append(pid).append(' ').append(gib).append('\n');
        }
        Path tmp = nvmlScript.resolveSibling(nvmlScript.getFileName() + ".tmp");
        Files.writeString(tmp, sb.toString());
        Files.move(tmp, nvmlScript, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    /** HTTP probes the server has answered so far (the daemon writes no record per healthy cycle; the server logs each). */
    long healthRequests() throws IOException {
        if (!Files.exists(runtimeLog)) {
            return 0;
        }
        try (var lines = Files.lines(runtimeLog)) {
            return lines.filter(l -> l.contains("GET /health")).count();
        }
    }

    @Override
    public String diagnostics() {
        return daemon.describe();
    }

    @Override
    public long daemonPid() {
        return daemon.pid(); // bin/glyphctl execs java: this is the daemon's JVM
    }

    @Override
    public Map<String, List<String>> statusCommands() {
        return Supervised.one("glyphctl status --config F", List.of(LAUNCHER.toString(), "status", "--config", config.toString()));
    }

    @Override
    public void restartProgram() {
        Executables.run(List.of(LAUNCHER.toString(), "restart", "--no-wait", "--config", config.toString()), Map.of());
    }

    @Override
    public OptionalLong restartDecidedAt(long sinceEpochMs) {
        for (JsonNode e : daemon.all("restart_decided")) {
            long ts = Instant.parse(e.get("ts").asText()).toEpochMilli();
            if (ts >= sinceEpochMs) {
                return OptionalLong.of(ts);
            }
        }
        return OptionalLong.empty();
    }

    @Override
    public void close() throws Exception {
        if (daemon != null) {
            daemon.closeWithServers();
        }
        if (program != null) {
            Faults.killProgram(program);
        }
    }
}
