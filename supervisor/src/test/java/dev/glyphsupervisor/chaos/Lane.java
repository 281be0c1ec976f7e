package dev.glyphsupervisor.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import dev.glyphsupervisor.e2e.ConfigFile;
import dev.glyphsupervisor.e2e.DaemonProcess;
import dev.glyphsupervisor.e2e.TestServer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.function.Predicate;

/**
 * One supervised server under one daemon, with its own directory, port, config, audit watch and random
 * stream, and the fault kinds that make sense for it: the worker-forking test server (health it can be
 * told to fail, workers that outlive their parent) or the reference runtime (a real model, a disk cache,
 * an unbounded history), or a stack of three forking servers under one daemon ({@code base}, and {@code ui} and
 * {@code api} requiring it), whose faults go to one server at a time through that server's view
 * ({@link #servers()}): its port, control file, state directory, audit records and glyphctl commands, on the
 * stack's one daemon. Each lane's faults run one after another; lanes run side by side.
 */
final class Lane {

    enum Target { FORKING, REFERENCE, STACK, INFERENCE }

    /** The stack lane's servers: the first is required by the others. */
    static final String REQUIRED = "base";
    static final List<String> DEPENDENTS = List.of("ui", "api");

    static final List<FaultKind> FORKING_KINDS = List.of(FaultKind.SERVER_SIGKILL, FaultKind.PARENT_SIGKILL,
            FaultKind.GROUP_SIGSTOP, FaultKind.HEALTH_500, FaultKind.HEALTH_SLOW, FaultKind.PORT_GRAB,
            FaultKind.OPERATOR_CONCURRENT);
    /** The daemon is SIGKILLed only here: the forking lane's daemon lives the whole run, for the flatness check. */
    static final List<FaultKind> REFERENCE_KINDS = List.of(FaultKind.SERVER_SIGKILL, FaultKind.GROUP_SIGSTOP,
            FaultKind.HOST_MEMORY, FaultKind.CACHE_UNWRITABLE, FaultKind.DAEMON_SIGKILL,
            FaultKind.OPERATOR_CONCURRENT, FaultKind.PORT_GRAB);
    /** The stack's kinds, each aimed at a server drawn at random; the daemon SIGKILL kills the stack's one daemon. */
    static final List<FaultKind> STACK_KINDS = List.of(FaultKind.SERVER_SIGKILL, FaultKind.PARENT_SIGKILL,
            FaultKind.GROUP_SIGSTOP, FaultKind.HEALTH_500, FaultKind.PORT_GRAB, FaultKind.OPERATOR_CONCURRENT,
            FaultKind.DAEMON_SIGKILL);

    /**
     * The inference lane's kinds (issue 16): the engine faults of the reference runtime's fault endpoints, and a
     * SIGKILL and a SIGSTOP under the same client traffic (no false `stalled` from them, and a new generation's
     * progress starts from a new baseline).
     */
    static final List<FaultKind> INFERENCE_KINDS = List.of(FaultKind.ENGINE_HANG, FaultKind.INFERENCE_ERRORS,
            FaultKind.SLOW_ANSWERS, FaultKind.SERVER_SIGKILL, FaultKind.GROUP_SIGSTOP);
    /** The inference lane's progress probe: work pending on a flat step counter this long is a hang. */
    static final long STALL_AFTER_MS = 4000;
    /** The inference lane's inference probe: schedule, threshold, timeout and slow_after. */
    static final long INFERENCE_INTERVAL_MS = 1000;
    static final int INFERENCE_THRESHOLD = 2;
    static final long INFERENCE_TIMEOUT_MS = 5000;
    static final long SLOW_AFTER_MS = 1000;

    /** The daemon of a lane, shared by a stack's server views. */
    private static final class DaemonRef {
        volatile DaemonProcess process;
        volatile int started;
        volatile long spawnedAt;
    }

    private final String name;
    private final Target target;
    private final Path dir;
    private final int port;
    /** The server this view aims at, in a stack; null for a one-server lane and for the stack itself. */
    private final String server;
    private final Path stateDir;
    private final Path auditPath;
    private final Path configPath;
    private final Bounds bounds;
    private final Random random;
    private final boolean launcher;
    private final AuditWatch audit;
    private final Glyphctl glyphctl;
    private final ProbeCounter probes;
    private final LatencyRecorder recorder;
    private final long maxRss;
    private final CacheBlock cacheBlock;
    private final DaemonRef daemon;
    private final List<Lane> servers = new ArrayList<>();
    /** The inference lane's clients, while they run. */
    private volatile Traffic traffic;

    private Lane(String name, Target target, Path dir, int port, int metricsPort, ConfigFile config, Bounds bounds,
                 Random random, boolean launcher, LatencyRecorder recorder, long maxRss, CacheBlock cacheBlock) {
        this(name, target, dir, port, null, config.stateDir(), config.audit(), config.write(), bounds, random, launcher,
                new ProbeCounter(metricsPort), recorder, maxRss, cacheBlock, new DaemonRef());
    }

    private Lane(String name, Target target, Path dir, int port, String server, Path stateDir, Path auditPath,
                 Path configPath, Bounds bounds, Random random, boolean launcher, ProbeCounter probes,
                 LatencyRecorder recorder, long maxRss, CacheBlock cacheBlock, DaemonRef daemon) {
        this.name = name;
        this.target = target;
        this.dir = dir;
        this.port = port;
        this.server = server;
        this.stateDir = stateDir;
        this.auditPath = auditPath;
        this.configPath = configPath;
        this.bounds = bounds;
        this.random = random;
        this.launcher = launcher;
        this.audit = new AuditWatch(auditPath, server);
        this.glyphctl = new Glyphctl(configPath, launcher, server);
        this.probes = probes;
        this.recorder = recorder;
        this.maxRss = maxRss;
        this.cacheBlock = cacheBlock;
        this.daemon = daemon;
    }

    /**
     * One daemon supervising {@code base} and {@code ui} and {@code api} requiring it, each the forking test
     * server with 2 workers, on the forking lane's probe settings. Its views ({@link #servers()}) are named
     * {@code stack:NAME}; each has the lane's bounds.
     */
    static Lane stack(Path dir, Random random, boolean launcher, LatencyRecorder recorder, long slackMs) throws IOException {
        Files.createDirectories(dir);
        int metricsPort = TestServer.freePort();
        Map<String, Integer> ports = new LinkedHashMap<>();
        StringBuilder yaml = new StringBuilder()
                .append("state_dir: ").append(dir.resolve("state")).append('\n')
                .append("audit: {path: ").append(dir.resolve("log").resolve("audit.jsonl")).append("}\n")
                .append("metrics: {listen: \"127.0.0.1:").append(metricsPort).append("\"}\n")
                .append("defaults:\n")
                .append("  runtime: {startup_timeout: 30s, stop_grace: 2s, caches: []}\n")
                .append("  probes: {schedule: 250ms, failure_threshold: 2, startup_interval: 100ms}\n")
                .append("  restart: {backoff_initial: 200ms, backoff_max: 2s, backoff_reset: 1s, kill_timeout: 5s,")
                .append(" release_timeout: 5s, crash_loop: {max_restarts: 1000, window: 1m}}\n")
                .append("servers:\n");
        List<String> names = new ArrayList<>();
        names.add(REQUIRED);
        names.addAll(DEPENDENTS);
        for (String n : names) {
            int port = TestServer.freePort();
            ports.put(n, port);
            yaml.append("  ").append(n).append(":\n")
                    .append("    requires: ").append(n.equals(REQUIRED) ? "[]" : "[" + REQUIRED + "]").append('\n')
                    .append("    runtime:\n")
                    .append("      command: ").append(TestServer.command(port, 2, n.equals(REQUIRED) ? 0.5 : 0.2,
                            dir.resolve(n + ".control"))).append('\n')
                    .append("      workdir: ").append(dir).append('\n')
                    .append("      port: ").append(port).append('\n')
                    .append("    probes: {http: {url: \"http://127.0.0.1:").append(port)
                    .append("/health\", timeout: 500ms, expect_status: 200}}\n");
        }
        Path configPath = dir.resolve("stack.yaml");
        Files.writeString(configPath, yaml.toString());
        Bounds bounds = new Bounds(250, 2, 500, 2000, 5000, 5000, 2000, 30_000, slackMs);
        Path stateDir = dir.resolve("state");
        Path auditPath = dir.resolve("log").resolve("audit.jsonl");
        Files.createDirectories(auditPath.getParent());
        ProbeCounter probes = new ProbeCounter(metricsPort);
        DaemonRef daemon = new DaemonRef();
        Lane stack = new Lane("stack", Target.STACK, dir, -1, null, stateDir, auditPath, configPath, bounds, random,
                launcher, probes, recorder, -1, null, daemon);
        for (String n : names) {
            stack.servers.add(new Lane("stack:" + n, Target.STACK, dir, ports.get(n), n,
                    stateDir.resolve("servers").resolve(n), auditPath, configPath, bounds, random, launcher, probes,
                    recorder, -1, null, daemon));
        }
        return stack;
    }

    /** A stack's server views, the required one first; a one-server lane is its own only server. */
    List<Lane> servers() {
        return servers.isEmpty() ? List.of(this) : List.copyOf(servers);
    }

    /** The server a stack view aims at (null for a one-server lane or the stack itself). */
    String server() {
        return server;
    }

    /** The forking test server with 2 workers, probed every 250 ms. */
    static Lane forking(Path dir, Random random, boolean launcher, LatencyRecorder recorder, long slackMs) throws IOException {
        Files.createDirectories(dir);
        int port = TestServer.freePort();
        int metricsPort = TestServer.freePort();
        ConfigFile config = new ConfigFile(dir, port, TestServer.command(port, 2, 0, dir.resolve("control")))
                .set("schedule", "250ms").set("failure_threshold", "2").set("startup_interval", "100ms")
                .set("http", "{url: \"http://127.0.0.1:" + port + "/health\", timeout: 500ms, expect_status: 200}")
                .set("stop_grace", "2s").set("startup_timeout", "30s")
                .set("backoff_initial", "200ms").set("backoff_max", "2s").set("backoff_reset", "1s")
                .set("max_restarts", "1000").set("window", "1m")
                .set("extra", "metrics: {listen: \"127.0.0.1:" + metricsPort + "\"}\n");
        Bounds bounds = new Bounds(250, 2, 500, 2000, 5000, 5000, 2000, 30_000, slackMs);
        return new Lane("forking", Target.FORKING, dir, port, metricsPort, config, bounds, random, launcher, recorder, -1, null);
    }

    /**
     * The reference runtime with an unbounded history and a disk cache, probed every 250 ms, with max_rss
     * at its measured footprint plus {@code headroom}.
     */
    static Lane reference(Path dir, Random random, boolean launcher, LatencyRecorder recorder, long slackMs,
                          long headroom) throws Exception {
        Files.createDirectories(dir);
        int port = TestServer.freePort();
        int metricsPort = TestServer.freePort();
        Path cache = dir.resolve("cache");
        long maxRss = ReferenceRuntime.footprint(dir, 3) + headroom;
        ConfigFile config = new ConfigFile(dir, port, ReferenceRuntime.yaml(ReferenceRuntime.command(port, cache)))
                .set("schedule", "250ms").set("failure_threshold", "2").set("startup_interval", "100ms")
                .set("http", "{url: \"http://127.0.0.1:" + port + "/health\", timeout: 1s, expect_status: 200}")
                .set("stop_grace", "5s").set("startup_timeout", "60s")
                .set("backoff_initial", "200ms").set("backoff_max", "2s").set("backoff_reset", "1s")
                .set("max_restarts", "1000").set("window", "1m")
                .set("caches", "[\"" + cache + "/**\"]")
                .set("memory", "  host: {max_rss: " + maxRss + "}\n")
                .set("extra", "metrics: {listen: \"127.0.0.1:" + metricsPort + "\"}\n");
        Bounds bounds = new Bounds(250, 2, 1000, 5000, 5000, 5000, 2000, 60_000, slackMs);
        CacheBlock block = new CacheBlock(cache, CacheBlock.choose(dir));
        return new Lane("reference", Target.REFERENCE, dir, port, metricsPort, config, bounds, random, launcher,
                recorder, maxRss, block);
    }

    /**
     * The reference runtime with its fault endpoints (issue 16), under light client traffic, probed every 250 ms,
     * with a progress probe ({@code engine: reference}, stall_after 4 s) and an inference probe (a one-word
     * embedding every 1 s, timeout 5 s, slow_after 1 s, failure_threshold 2, restart_on_slow off). The
     * inference probe's timeout is long enough that a hang is the progress probe's (two timeouts outlast
     * stall_after + its slack), so each restart reason has one cause.
     */
    static Lane inference(Path dir, Random random, boolean launcher, LatencyRecorder recorder, long slackMs)
            throws IOException {
        Files.createDirectories(dir);
        int port = TestServer.freePort();
        int metricsPort = TestServer.freePort();
        String probes = "  progress: {engine: reference, stall_after: " + STALL_AFTER_MS + "ms, timeout: 1s}\n"
                + "  inference: {url: \"http://127.0.0.1:" + port + "/v1/embeddings\", body: '{\"input\": [\"ping\"]}',"
                + " expect_json: {pointer: /data/0/embedding/0}, timeout: " + INFERENCE_TIMEOUT_MS + "ms,"
                + " slow_after: " + SLOW_AFTER_MS + "ms, schedule: " + INFERENCE_INTERVAL_MS + "ms,"
                + " failure_threshold: " + INFERENCE_THRESHOLD + "}\n";
        ConfigFile config = new ConfigFile(dir, port, ReferenceRuntime.yaml(ReferenceRuntime.faultCommand(port)))
                .set("schedule", "250ms").set("failure_threshold", "2").set("startup_interval", "100ms")
                .set("http", "{url: \"http://127.0.0.1:" + port + "/health\", timeout: 1s, expect_status: 200}")
                .set("stop_grace", "5s").set("startup_timeout", "60s")
                .set("backoff_initial", "200ms").set("backoff_max", "2s").set("backoff_reset", "1s")
                .set("max_restarts", "1000").set("window", "1m")
                .set("memory", probes)
                .set("extra", "metrics: {listen: \"127.0.0.1:" + metricsPort + "\"}\n");
        Bounds bounds = new Bounds(250, 2, 1000, 5000, 5000, 5000, 2000, 60_000, slackMs, STALL_AFTER_MS,
                INFERENCE_INTERVAL_MS, INFERENCE_THRESHOLD, INFERENCE_TIMEOUT_MS, SLOW_AFTER_MS);
        return new Lane("inference", Target.INFERENCE, dir, port, metricsPort, config, bounds, random, launcher,
                recorder, -1, null);
    }

    List<FaultKind> kinds() {
        return switch (target) {
            case FORKING -> FORKING_KINDS;
            case REFERENCE -> REFERENCE_KINDS;
            case STACK -> STACK_KINDS;
            case INFERENCE -> INFERENCE_KINDS;
        };
    }

    /** Starts the inference lane's clients (two, 200 ms between requests); nothing for the other lanes. */
    void startTraffic() {
        if (target == Target.INFERENCE && traffic == null) {
            traffic = new Traffic(port, 2, 200);
        }
    }

    /** The clients, or null (not the inference lane, or stopped). */
    Traffic traffic() {
        return traffic;
    }

    /** Stops the clients; what they did, or empty. */
    String stopTraffic() throws InterruptedException {
        Traffic t = traffic;
        traffic = null;
        if (t == null) {
            return "";
        }
        t.close();
        return t.toString();
    }

    /** Starts (or, after a SIGKILL, starts again) the daemon on this lane's config, as systemd would. */
    void startDaemon() throws IOException {
        daemon.spawnedAt = System.currentTimeMillis();
        daemon.process = launcher ? DaemonProcess.startWithLauncher(configPath, auditPath)
                : DaemonProcess.start(configPath, auditPath);
        daemon.started++;
    }

    /** When the current daemon was started (wall clock ms): it can act only after its supervisor_started. */
    long daemonSpawnedAt() {
        return daemon.spawnedAt;
    }

    /** SIGKILL of the daemon: no shutdown hook, no last record. */
    void killDaemon() throws InterruptedException {
        daemon.process.process().destroyForcibly().waitFor();
    }

    /** SIGTERM to the daemon and its exit code (143 after a clean shutdown), or -1 if it did not exit in time. */
    int stopDaemon() throws InterruptedException {
        Process p = daemon.process.process();
        p.destroy();
        if (!p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor();
            return -1;
        }
        return p.exitValue();
    }

    long daemonPid() {
        DaemonProcess d = daemon.process;
        return d == null || !d.process().isAlive() ? -1 : d.pid();
    }

    String daemonOutput() {
        DaemonProcess d = daemon.process;
        return d == null ? "" : d.output();
    }

    int daemonsStarted() {
        return daemon.started;
    }

    /** Waits until the daemon reports a healthy (or adopted) server. */
    Optional<AuditWatch.Serving> awaitServing() {
        if (!servers.isEmpty()) { // the stack: every server healthy (or adopted); the last one's state
            Optional<AuditWatch.Serving> last = Optional.empty();
            for (Lane s : servers) {
                last = s.awaitServing();
                if (last.isEmpty()) {
                    return last;
                }
            }
            // a later server's wait may have seen an earlier one go down again (a dependent's stop for base)
            return servers.stream().allMatch(s -> s.audit().serving().isPresent()) ? last : awaitServing();
        }
        return audit.awaitServing(Duration.ofMillis(bounds.recoveryMs(FaultKind.DAEMON_SIGKILL)));
    }

    /** Waits for a record for up to twice {@code boundMs}, so that a late record is measured, not cut off. */
    Optional<JsonNode> await(int from, String event, Predicate<JsonNode> filter, long boundMs) {
        return audit.await(from, event, filter, Duration.ofMillis(2 * boundMs));
    }

    /** A fault's record from the audit records that showed its detection and recovery. */
    FaultRecord record(FaultKind kind, String variant, long effectiveAt, Optional<JsonNode> detected, long clearedAt,
                       Optional<JsonNode> recovered, String note) {
        return new FaultRecord(name, kind, variant, effectiveAt, detected.map(AuditWatch::millis).orElse(-1L),
                clearedAt, recovered.map(AuditWatch::millis).orElse(-1L), note);
    }

    void violation(String what) {
        recorder.violation(name + ": " + what);
    }

    String name() {
        return name;
    }

    Target target() {
        return target;
    }

    Path dir() {
        return dir;
    }

    int port() {
        return port;
    }

    Path control() {
        return server == null ? dir.resolve("control") : dir.resolve(server + ".control");
    }

    /** Where this lane's server processes say they belong (GLYPH_SUPERVISOR_STATE_DIR): a stack's server's own. */
    Path stateDir() {
        return stateDir;
    }

    Path auditPath() {
        return auditPath;
    }

    Bounds bounds() {
        return bounds;
    }

    Random random() {
        return random;
    }

    AuditWatch audit() {
        return audit;
    }

    Glyphctl glyphctl() {
        return glyphctl;
    }

    ProbeCounter probes() {
        return probes;
    }

    long maxRss() {
        return maxRss;
    }

    CacheBlock cacheBlock() {
        return cacheBlock;
    }
}
