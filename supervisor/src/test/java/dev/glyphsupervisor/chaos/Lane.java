package dev.glyphsupervisor.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import dev.glyphsupervisor.e2e.ConfigFile;
import dev.glyphsupervisor.e2e.DaemonProcess;
import dev.glyphsupervisor.e2e.TestServer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.function.Predicate;

/**
 * One supervised server under one daemon, with its own directory, port, config, audit watch and random
 * stream, and the fault kinds that make sense for it: the worker-forking test server (health it can be
 * told to fail, workers that outlive their parent) or the reference runtime (a real model, a disk cache,
 * an unbounded history). Each lane's faults run one after another; lanes run side by side.
 */
final class Lane {

    enum Target { FORKING, REFERENCE }

    static final List<FaultKind> FORKING_KINDS = List.of(FaultKind.SERVER_SIGKILL, FaultKind.PARENT_SIGKILL,
            FaultKind.GROUP_SIGSTOP, FaultKind.HEALTH_500, FaultKind.HEALTH_SLOW, FaultKind.PORT_GRAB,
            FaultKind.OPERATOR_CONCURRENT);
    /** The daemon is SIGKILLed only here: the forking lane's daemon lives the whole run, for the flatness check. */
    static final List<FaultKind> REFERENCE_KINDS = List.of(FaultKind.SERVER_SIGKILL, FaultKind.GROUP_SIGSTOP,
            FaultKind.HOST_MEMORY, FaultKind.CACHE_UNWRITABLE, FaultKind.DAEMON_SIGKILL,
            FaultKind.OPERATOR_CONCURRENT, FaultKind.PORT_GRAB);

    private final String name;
    private final Target target;
    private final Path dir;
    private final int port;
    private final ConfigFile config;
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
    private volatile DaemonProcess daemon;
    private int daemonsStarted;

    private Lane(String name, Target target, Path dir, int port, int metricsPort, ConfigFile config, Bounds bounds,
                 Random random, boolean launcher, LatencyRecorder recorder, long maxRss, CacheBlock cacheBlock) {
        this.name = name;
        this.target = target;
        this.dir = dir;
        this.port = port;
        this.config = config;
        this.configPath = config.write();
        this.bounds = bounds;
        this.random = random;
        this.launcher = launcher;
        this.audit = new AuditWatch(config.audit());
        this.glyphctl = new Glyphctl(configPath, launcher);
        this.probes = new ProbeCounter(metricsPort);
        this.recorder = recorder;
        this.maxRss = maxRss;
        this.cacheBlock = cacheBlock;
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

    List<FaultKind> kinds() {
        return target == Target.FORKING ? FORKING_KINDS : REFERENCE_KINDS;
    }

    /** Starts (or, after a SIGKILL, starts again) the daemon on this lane's config, as systemd would. */
    void startDaemon() throws IOException {
        daemon = launcher ? DaemonProcess.startWithLauncher(configPath, config.audit())
                : DaemonProcess.start(configPath, config.audit());
        daemonsStarted++;
    }

    /** SIGKILL of the daemon: no shutdown hook, no last record. */
    void killDaemon() throws InterruptedException {
        daemon.process().destroyForcibly().waitFor();
    }

    /** SIGTERM to the daemon and its exit code (143 after a clean shutdown), or -1 if it did not exit in time. */
    int stopDaemon() throws InterruptedException {
        daemon.process().destroy();
        if (!daemon.process().waitFor(60, java.util.concurrent.TimeUnit.SECONDS)) {
            daemon.process().destroyForcibly().waitFor();
            return -1;
        }
        return daemon.process().exitValue();
    }

    long daemonPid() {
        DaemonProcess d = daemon;
        return d == null || !d.process().isAlive() ? -1 : d.pid();
    }

    String daemonOutput() {
        return daemon == null ? "" : daemon.output();
    }

    int daemonsStarted() {
        return daemonsStarted;
    }

    /** Waits until the daemon reports a healthy (or adopted) server. */
    Optional<AuditWatch.Serving> awaitServing() {
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
        return dir.resolve("control");
    }

    Path stateDir() {
        return config.stateDir();
    }

    Path auditPath() {
        return config.audit();
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
