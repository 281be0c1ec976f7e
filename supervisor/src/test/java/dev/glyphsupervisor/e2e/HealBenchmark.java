package dev.glyphsupervisor.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import dev.glyphsupervisor.runtime.Signals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The heal-loop benchmark (a command that prints figures, not a test):
 *
 * <pre>./mvnw -B -q -Pbench -pl supervisor -am verify -DskipTests [-Dbench.kills=50] [-Dbench.idle=60]</pre>
 *
 * <p>The daemons are started by bin/glyphctl, with its JVM flags and the shaded jar, as a user runs them.
 * {@link CompareBenchmark} (-Pcompare) measures the same faults from outside, against supervisord and PM2.
 *
 * <ol>
 *   <li>Death → relaunch: SIGKILL the server's main process N times; latency = the new launch's
 *       {@code runtime_launched} time minus the kill time (both wall clock, ms), and death → noticed
 *       ({@code runtime_exited}).</li>
 *   <li>Hang detection: SIGSTOP the group; time to {@code restart_decided} vs the configured bound
 *       (failure_threshold × interval + http timeout).</li>
 *   <li>Idle: the daemon supervising a healthy server on the default once-a-minute cron for the given
 *       seconds: RSS and CPU (utime+stime from /proc) of the daemon JVM.</li>
 * </ol>
 */
public final class HealBenchmark {

    private static final Duration T = Duration.ofSeconds(60);
    /** The first deaths meet a daemon still busy with its own start (class loading, JIT): reported, not counted. */
    private static final int WARM_UP_KILLS = 5;

    public static void main(String[] args) throws Exception {
        int kills = Integer.getInteger("bench.kills", 50);
        int hangs = Integer.getInteger("bench.hangs", 5);
        int idleSeconds = Integer.getInteger("bench.idle", 60);
        Path dir = Files.createTempDirectory("glyph-bench");
        System.out.println("glyph-supervisor heal benchmark");
        System.out.println("machine: " + Runtime.getRuntime().availableProcessors() + " cpus, java "
                + System.getProperty("java.version") + ", " + System.getProperty("os.name") + " "
                + System.getProperty("os.version"));
        relaunchLatency(dir.resolve("relaunch"), kills);
        hangDetection(dir.resolve("hang"), hangs);
        idle(dir.resolve("idle"), idleSeconds);
    }

    private static void relaunchLatency(Path dir, int kills) throws Exception {
        Files.createDirectories(dir);
        int port = TestServer.freePort();
        ConfigFile config = new ConfigFile(dir, port, TestServer.command(port, 0, 0, dir.resolve("control")))
                .set("backoff_reset", "100ms").set("max_restarts", "100000").set("schedule", "0 * * * * ?")
                .set("startup_interval", "100ms");
        List<Long> relaunch = new ArrayList<>();
        List<Long> noticed = new ArrayList<>();
        List<Long> warmUp = new ArrayList<>();
        try (DaemonProcess d = DaemonProcess.startWithLauncher(config.write(), config.audit())) {
            for (int i = 1; i <= WARM_UP_KILLS + kills; i++) {
                long gen = i;
                JsonNode healthy = d.awaitHealthy(gen, T);
                Instant healthyAt = Instant.parse(healthy.get("ts").asText());
                // let the healthy spell pass backoff_reset, so that this restart is immediate by policy
                Await.until(T, "healthy spell", () -> Instant.now().isAfter(healthyAt.plusMillis(150)));
                long pid = healthy.get("pid").asLong();
                long killedAt = System.currentTimeMillis();
                Signals.kill(pid, Signals.SIGKILL);
                JsonNode exited = d.await("runtime_exited", e -> e.get("generation").asLong() == gen, T);
                JsonNode launched = d.await("runtime_launched", e -> e.get("generation").asLong() == gen + 1, T);
                long noticedMs = Instant.parse(exited.get("ts").asText()).toEpochMilli() - killedAt;
                long relaunchMs = Instant.parse(launched.get("ts").asText()).toEpochMilli() - killedAt;
                if (i <= WARM_UP_KILLS) {
                    warmUp.add(relaunchMs);
                } else {
                    noticed.add(noticedMs);
                    relaunch.add(relaunchMs);
                }
            }
        }
        System.out.printf("warm-up kills (not counted; the daemon JVM is seconds old): death -> relaunch ms %s%n", warmUp);
        System.out.printf("death -> noticed  (ms, n=%d): %s%n", kills, Stats.summary(noticed));
        System.out.printf("death -> relaunch (ms, n=%d): %s%n", kills, Stats.summary(relaunch));
    }

    private static void hangDetection(Path dir, int hangs) throws Exception {
        Files.createDirectories(dir);
        int port = TestServer.freePort();
        ConfigFile config = new ConfigFile(dir, port, TestServer.command(port, 2, 0, dir.resolve("control")))
                .set("schedule", "1s").set("failure_threshold", "2").set("max_restarts", "1000")
                .set("http", "{url: \"http://127.0.0.1:" + port + "/health\", timeout: 1s, expect_status: 200}");
        long boundMs = 2 * 1000 + 1000;
        List<Long> detection = new ArrayList<>();
        try (DaemonProcess d = DaemonProcess.startWithLauncher(config.write(), config.audit())) {
            for (int i = 1; i <= hangs; i++) {
                long gen = i;
                long pid = d.awaitHealthy(gen, T).get("pid").asLong();
                long stoppedAt = System.currentTimeMillis();
                Signals.killGroup(pid, Signals.SIGSTOP);
                JsonNode decided = d.await("restart_decided", e -> e.get("generation").asLong() == gen, T);
                detection.add(Instant.parse(decided.get("ts").asText()).toEpochMilli() - stoppedAt);
            }
        }
        System.out.printf("hang detection (ms, n=%d; schedule 1s, failure_threshold 2, http timeout 1s: bound %d ms"
                + " = threshold x interval + the timeout): %s%n", hangs, boundMs, Stats.summary(detection));
    }

    private static void idle(Path dir, int seconds) throws Exception {
        Files.createDirectories(dir);
        int port = TestServer.freePort();
        ConfigFile config = new ConfigFile(dir, port, TestServer.command(port, 0, 0, dir.resolve("control")))
                .set("schedule", "0 * * * * ?");
        try (DaemonProcess d = DaemonProcess.startWithLauncher(config.write(), config.audit())) {
            d.awaitHealthy(1, T);
            long pid = d.pid(); // bin/glyphctl execs java, so this is the daemon's JVM
            Thread.sleep(10_000); // warm-up excluded from the window: class loading and JIT of the start
            long ticksBefore = ProcStat.cpuTicks(pid);
            java.util.Map<String, Long> threadsBefore = ProcStat.threadTicks(pid);
            long start = System.nanoTime();
            Thread.sleep(seconds * 1000L); // the measurement window itself, not a wait for a condition
            long ticks = ProcStat.cpuTicks(pid) - ticksBefore;
            System.out.println("idle CPU ticks by thread:" + ProcStat.busiestThreads(threadsBefore, ProcStat.threadTicks(pid)));
            double wall = (System.nanoTime() - start) / 1e9;
            double cpuPercent = 100.0 * (ticks / 100.0) / wall; // USER_HZ = 100 on Linux
            System.out.printf("idle %ds (cron once a minute): daemon RSS %.1f MB, CPU %.3f %% of a core (%d ticks)%n",
                    seconds, ProcStat.rssKb(pid) / 1024.0, cpuPercent, ticks);
        }
    }

    private HealBenchmark() {
    }
}
