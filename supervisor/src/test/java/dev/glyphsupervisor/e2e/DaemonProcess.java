package dev.glyphsupervisor.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import dev.glyphsupervisor.audit.AuditReader;
import dev.glyphsupervisor.cli.Glyphctl;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/** A real {@code glyphctl daemon} in its own JVM, on a config the test wrote, with helpers to read its audit log. */
public final class DaemonProcess implements AutoCloseable {

    private final Process process;
    private final Path audit;
    private final Path output;
    private final long afterSeq;

    private DaemonProcess(Process process, Path audit, Path output, long afterSeq) {
        this.process = process;
        this.audit = audit;
        this.output = output;
        this.afterSeq = afterSeq;
    }

    public static DaemonProcess start(Path config, Path audit) throws IOException {
        return start(config, audit, java.util.Map.of());
    }

    /** With extra environment variables for the daemon (e.g. the fake NVML's script). */
    static DaemonProcess start(Path config, Path audit, java.util.Map<String, String> env) throws IOException {
        Path output = config.resolveSibling(config.getFileName() + ".daemon-" + System.nanoTime() + ".out");
        return new DaemonProcess(launch(config, output, env), audit, output, 0);
    }

    /** For an audit log that outlives the test (the default config's): only records written after this start count. */
    static DaemonProcess startAppending(Path config, Path audit, Path output) throws IOException {
        return new DaemonProcess(launch(config, output), audit, output, lastSeq(audit));
    }

    /** Runs {@code glyphctl daemon --config F} as a process (not in this JVM: signals and locks are per process). */
    static Process launch(Path config, Path output) throws IOException {
        return launch(config, output, java.util.Map.of());
    }

    static Process launch(Path config, Path output, java.util.Map<String, String> env) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = List.of(java, "-Xmx64m", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
                Glyphctl.class.getName(), "daemon", "--config", config.toString());
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(output.toFile());
        pb.environment().putAll(env);
        return pb.start();
    }

    /** As a user runs it: bin/glyphctl with its JVM flags and the shaded jar (built by `package`). */
    public static DaemonProcess startWithLauncher(Path config, Path audit) throws IOException {
        return startWithLauncher(config, audit, java.util.Map.of());
    }

    /** The same, with extra environment variables for the daemon (e.g. the fake NVML's script). */
    public static DaemonProcess startWithLauncher(Path config, Path audit, java.util.Map<String, String> env) throws IOException {
        return startWithLauncher(config, audit, env, 0);
    }

    /** bin/glyphctl after an earlier daemon on the same audit log: only records written after this start count. */
    static DaemonProcess restartWithLauncher(Path config, Path audit) throws IOException {
        return startWithLauncher(config, audit, java.util.Map.of(), lastSeq(audit));
    }

    private static DaemonProcess startWithLauncher(Path config, Path audit, java.util.Map<String, String> env,
                                                   long afterSeq) throws IOException {
        Path output = config.resolveSibling(config.getFileName() + ".daemon-" + System.nanoTime() + ".out");
        ProcessBuilder pb = new ProcessBuilder(LAUNCHER.toString(), "daemon", "--config", config.toString())
                .redirectErrorStream(true).redirectOutput(output.toFile());
        pb.environment().putAll(env);
        return new DaemonProcess(pb.start(), audit, output, afterSeq);
    }

    /** The installed-style launcher, bin/glyphctl, which runs the shaded jar. */
    static final Path LAUNCHER = Path.of(System.getProperty("basedir", "."), "..", "bin", "glyphctl").toAbsolutePath().normalize();

    private static long lastSeq(Path audit) throws IOException {
        long last = 0;
        if (Files.exists(audit)) {
            for (JsonNode e : AuditReader.readAll(audit)) {
                last = Math.max(last, e.get("seq").asLong());
            }
        }
        return last;
    }

    /**
     * Through the real bin/glyphctl on the classes under test ({@link GlyphctlLauncher}), not the shaded jar, so it
     * runs in the default build; {@code env} changes the daemon's environment (e.g. its locale).
     */
    static DaemonProcess startThroughScript(Path config, Path audit, java.util.function.Consumer<java.util.Map<String, String>> env) {
        return startThroughScript(config, audit, List.of(), env);
    }

    /** The same, run by {@code wrapper} (a command that execs its arguments, e.g. after joining a cgroup). */
    static DaemonProcess startThroughScript(Path config, Path audit, List<String> wrapper,
                                            java.util.function.Consumer<java.util.Map<String, String>> env) {
        Path output = config.resolveSibling(config.getFileName() + ".daemon-" + System.nanoTime() + ".out");
        ProcessBuilder pb = GlyphctlLauncher.builder(wrapper, List.of("daemon", "--config", config.toString()))
                .redirectErrorStream(true).redirectOutput(output.toFile());
        env.accept(pb.environment());
        return new DaemonProcess(GlyphctlLauncher.start(pb), audit, output, 0);
    }

    public long pid() {
        return process.pid();
    }

    public Process process() {
        return process;
    }

    public String output() {
        try {
            return Files.exists(output) ? Files.readString(output) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    List<JsonNode> events() {
        try {
            if (!Files.exists(audit)) {
                return List.of();
            }
            return AuditReader.readAll(audit).stream().filter(e -> e.get("seq").asLong() > afterSeq)
                    .collect(Collectors.toList());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    List<String> eventNames() {
        return events().stream().map(e -> e.get("event").asText()).collect(Collectors.toList());
    }

    /** Waits for the first record matching {@code event} and {@code filter}; fails with the log so far. */
    JsonNode await(String event, Predicate<JsonNode> filter, Duration timeout) {
        Await.until(timeout, "audit event " + event, () -> find(event, filter).isPresent(), this::describe);
        return find(event, filter).orElseThrow();
    }

    JsonNode await(String event, Duration timeout) {
        return await(event, e -> true, timeout);
    }

    /** Waits until generation {@code generation} is healthy. */
    JsonNode awaitHealthy(long generation, Duration timeout) {
        return await("runtime_healthy", e -> e.get("generation").asLong() == generation, timeout);
    }

    Optional<JsonNode> find(String event, Predicate<JsonNode> filter) {
        return events().stream().filter(e -> e.get("event").asText().equals(event)).filter(filter).findFirst();
    }

    List<JsonNode> all(String event) {
        return events().stream().filter(e -> e.get("event").asText().equals(event)).collect(Collectors.toList());
    }

    String describe() {
        List<String> lines = new ArrayList<>();
        for (JsonNode e : events()) {
            lines.add(e.toString());
        }
        return "\naudit:\n  " + String.join("\n  ", lines) + "\ndaemon output:\n" + output()
                + (process.isAlive() ? "" : "\n(daemon exited " + process.exitValue() + ")");
    }

    void sigterm() {
        process.destroy(); // SIGTERM
    }

    int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("daemon did not exit within " + timeout + describe());
        }
        return process.exitValue();
    }

    /**
     * Stops the daemon, then ends every server session it ever launched: a daemon that failed its test
     * may have left its server behind, and the next test must not find it.
     */
    void closeWithServers() throws InterruptedException {
        close();
        for (JsonNode launched : all("runtime_launched")) {
            dev.glyphsupervisor.runtime.Signals.killGroup(launched.get("pgid").asLong(), dev.glyphsupervisor.runtime.Signals.SIGKILL);
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }
}
