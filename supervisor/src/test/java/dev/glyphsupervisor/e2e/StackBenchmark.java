package dev.glyphsupervisor.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import dev.glyphsupervisor.runtime.Signals;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The stack benchmark of issue 15 (a command that prints figures, not a test):
 *
 * <pre>./mvnw -B -q -Pstack-bench -pl supervisor -am verify -DskipTests
 *     [-Dstack.sizes=1,4,16] [-Dstack.window=60] [-Dstack.kills=20] [-Dstack.statusRuns=22] [-Dstack.host=true]
 *     [-Dstack.steady=0]                    # seconds after the first window before a second one (0: none)
 *     [-Dstack.env=NAME=VALUE;NAME=VALUE]   # for a diagnosis only: more environment for the daemon, e.g.
 *                                          # GLYPH_JAVA_OPTS=-XX:NativeMemoryTracking=summary (then jcmd's summary is printed)</pre>
 *
 * <p>For each stack size N: a {@code servers:} config with N forking test servers (no workers, as in
 * {@link HealBenchmark}), each probed every 1 s by the process probe (always on), the TCP port probe
 * ({@code runtime.port}), the HTTP health probe and the host memory probe ({@code probes.host}: the tree's RSS and
 * MemAvailable through OSHI); the real daemon started by bin/glyphctl (its JVM flags, the shaded jar). Once every
 * server is healthy and the daemon has settled, it measures:
 *
 * <ol>
 *   <li>daemon RSS (VmRSS, RssAnon; /proc/PID/status) and threads;</li>
 *   <li>daemon CPU (utime+stime, /proc/PID/stat) over a fixed window, as a share of a core, and per probe cycle of
 *       one server: the ticks divided by the HTTP health requests all servers logged in the window (one per
 *       server per cycle);</li>
 *   <li>with {@code -Dstack.steady=S}: S seconds later, the same again (RSS, then a CPU window as long as the first):
 *       the daemon after the first minute's class loading and JIT compilation, as it runs for days;</li>
 *   <li>{@code glyphctl status --config F} wall time (spawn to exit), the first 2 calls dropped;</li>
 *   <li>death → relaunch of one server while the others go on being probed: SIGKILL of its main process, then the
 *       time to the audit's {@code runtime_launched} of the next generation (and to {@code runtime_exited}).</li>
 * </ol>
 */
public final class StackBenchmark {

    private static final Duration T = Duration.ofSeconds(90);
    private static final int WARM_UP_KILLS = 3;
    private static final int DROPPED_STATUS_RUNS = 2;
    private static final int SETTLE_SECONDS = 10;

    record Row(int servers, long rssKb, long rssAnonKb, long threads, double cpuPercent, long ticks, long cycles,
               double msPerCycle, long statusP50, long statusP95, long statusMax, List<Long> relaunch,
               List<Long> noticed, List<Long> warmUp, long rssAfterKb, long steadyRssKb, Cpu steadyCpu) {
    }

    /** Daemon CPU over one window: ticks, the HTTP probe cycles all servers ran in it, and the two as rates. */
    record Cpu(long ticks, long cycles, double percent, double msPerCycle) {
        static final Cpu NONE = new Cpu(0, 0, Double.NaN, Double.NaN);
    }

    public static void main(String[] args) throws Exception {
        List<Integer> sizes = new ArrayList<>();
        for (String s : System.getProperty("stack.sizes", "1,4,16").split(",")) {
            sizes.add(Integer.parseInt(s.trim()));
        }
        int window = Integer.getInteger("stack.window", 60);
        int steady = Integer.getInteger("stack.steady", 0);
        int kills = Integer.getInteger("stack.kills", 20);
        int statusRuns = Integer.getInteger("stack.statusRuns", 22);
        boolean host = Boolean.parseBoolean(System.getProperty("stack.host", "true"));
        Path dir = Files.createTempDirectory("glyph-stack-bench");
        System.out.println("glyph-supervisor stack benchmark (issue 15)");
        System.out.println("machine: " + Runtime.getRuntime().availableProcessors() + " cpus, java "
                + System.getProperty("java.version") + ", " + System.getProperty("os.name") + " "
                + System.getProperty("os.version") + "; load average at start: " + ProcStat.loadAverage());
        System.out.println("probes every 1 s per server: process + TCP + HTTP" + (host ? " + host memory (tree RSS, MemAvailable)" : "")
                + "; window " + window + " s; " + kills + " kills after " + WARM_UP_KILLS + " warm-up kills");
        List<Row> rows = new ArrayList<>();
        for (int n : sizes) {
            rows.add(run(dir.resolve("stack-" + n), n, window, steady, kills, statusRuns, host));
        }
        System.out.println();
        System.out.println("load average at end: " + ProcStat.loadAverage());
        System.out.println("| servers | daemon RSS MB (RssAnon) idle | threads | daemon CPU % of a core | probe-cycle CPU ms per server"
                + " | `glyphctl status` p50 / p95 / max ms | death → relaunch p50 / p99 ms | death → noticed p50 / p99 ms | RSS MB after kills |");
        System.out.println("| --- | --- | --- | --- | --- | --- | --- | --- | --- |");
        for (Row r : rows) {
            System.out.printf("| %d | %.1f (%.1f) | %d | %.2f %% (%d ticks / %d s) | %.2f (%d cycles) | %d / %d / %d | %d / %d | %d / %d | %.1f |%n",
                    r.servers(), r.rssKb() / 1024.0, r.rssAnonKb() / 1024.0, r.threads(), r.cpuPercent(), r.ticks(), window,
                    r.msPerCycle(), r.cycles(), r.statusP50(), r.statusP95(), r.statusMax(),
                    Stats.percentile(r.relaunch(), 50), Stats.percentile(r.relaunch(), 99),
                    Stats.percentile(r.noticed(), 50), Stats.percentile(r.noticed(), 99), r.rssAfterKb() / 1024.0);
        }
        if (steady > 0) {
            System.out.println();
            System.out.println("| servers | steady (" + steady + " s after the first window): daemon RSS MB | daemon CPU % of a core"
                    + " | probe-cycle CPU ms per server |");
            System.out.println("| --- | --- | --- | --- |");
            for (Row r : rows) {
                System.out.printf("| %d | %.1f | %.2f %% (%d ticks / %d s) | %.2f (%d cycles) |%n", r.servers(),
                        r.steadyRssKb() / 1024.0, r.steadyCpu().percent(), r.steadyCpu().ticks(), window,
                        r.steadyCpu().msPerCycle(), r.steadyCpu().cycles());
            }
        }
    }

    private static Row run(Path dir, int n, int window, int steady, int kills, int statusRuns, boolean host) throws Exception {
        Files.createDirectories(dir);
        System.out.println();
        System.out.println("== " + n + " server" + (n == 1 ? "" : "s") + " (load average " + ProcStat.loadAverage() + ")");
        Map<String, Integer> ports = new LinkedHashMap<>();
        for (int i = 1; i <= n; i++) {
            ports.put(String.format("s%02d", i), TestServer.freePort());
        }
        Path config = writeConfig(dir, ports, host);
        Path audit = dir.resolve("log/audit.jsonl");
        try (DaemonProcess d = DaemonProcess.startWithLauncher(config, audit, env())) {
            try {
                return measure(d, dir, config, ports, n, window, steady, kills, statusRuns);
            } finally {
                d.closeWithServers();
            }
        }
    }

    private static Row measure(DaemonProcess d, Path dir, Path config, Map<String, Integer> ports, int n, int window,
                               int steady, int kills, int statusRuns) throws Exception {
        for (String name : ports.keySet()) {
            healthy(d, name, 1);
        }
        long pid = d.pid(); // bin/glyphctl execs java: this is the daemon's JVM
        Thread.sleep(SETTLE_SECONDS * 1000L); // warm-up excluded from the figures: class loading and JIT of the start
        if (env().getOrDefault("GLYPH_JAVA_OPTS", "").contains("NativeMemoryTracking")) {
            Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
            Process p = new ProcessBuilder(jcmd.toString(), Long.toString(pid), "VM.native_memory", "summary")
                    .redirectErrorStream(true).start();
            System.out.println(new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
            p.waitFor();
        }
        long rss = ProcStat.rssKb(pid);
        long rssAnon = ProcStat.statusKb(pid, "RssAnon");
        long threads = ProcStat.threads(pid);
        System.out.printf("idle, all healthy, %d s after: RSS %.1f MB (RssAnon %.1f, RssFile %.1f), %d threads%n", SETTLE_SECONDS,
                rss / 1024.0, rssAnon / 1024.0, ProcStat.statusKb(pid, "RssFile") / 1024.0, threads);

        Cpu cpu = cpuWindow(pid, dir, ports, n, window);
        long steadyRss = 0;
        Cpu steadyCpu = Cpu.NONE;
        if (steady > 0) {
            Thread.sleep(steady * 1000L); // the daemon running on, not a wait for a condition
            steadyRss = ProcStat.rssKb(pid);
            System.out.printf("steady, %d s later: RSS %.1f MB (RssAnon %.1f), %d threads%n", steady, steadyRss / 1024.0,
                    ProcStat.statusKb(pid, "RssAnon") / 1024.0, ProcStat.threads(pid));
            steadyCpu = cpuWindow(pid, dir, ports, n, window);
        }

        List<Long> status = new ArrayList<>();
        for (int i = 0; i < statusRuns; i++) {
            long t0 = System.nanoTime();
            int exit = glyphctl(dir, "status", "--config", config.toString());
            long ms = (System.nanoTime() - t0) / 1_000_000;
            if (exit != 0) {
                System.out.println("  status call " + i + " exited " + exit + ": " + Files.readString(dir.resolve("status.out")));
            }
            if (i >= DROPPED_STATUS_RUNS) {
                status.add(ms);
            }
        }
        System.out.println("glyphctl status --config F (ms, n=" + status.size() + "): " + Stats.summary(status)
                + ", p95 " + Stats.percentile(status, 95) + "; its output:\n" + Files.readString(dir.resolve("status.out")).stripTrailing());

        String victim = ports.keySet().iterator().next();
        List<Long> relaunch = new ArrayList<>();
        List<Long> noticed = new ArrayList<>();
        List<Long> warmUp = new ArrayList<>();
        for (int i = 1; i <= WARM_UP_KILLS + kills; i++) {
            long gen = i;
            JsonNode healthy = healthy(d, victim, gen);
            Instant healthyAt = Instant.parse(healthy.get("ts").asText());
            // spaced: past backoff_reset (100 ms), so that each restart is a first one, immediate by policy
            Await.until(T, "healthy spell", () -> Instant.now().isAfter(healthyAt.plusMillis(500)));
            long victimPid = healthy.get("pid").asLong();
            long killedAt = System.currentTimeMillis();
            Signals.kill(victimPid, Signals.SIGKILL);
            JsonNode exited = d.await("runtime_exited", e -> of(e, victim) && e.get("generation").asLong() == gen, T);
            JsonNode launched = d.await("runtime_launched", e -> of(e, victim) && e.get("generation").asLong() == gen + 1, T);
            long noticedMs = Instant.parse(exited.get("ts").asText()).toEpochMilli() - killedAt;
            long relaunchMs = Instant.parse(launched.get("ts").asText()).toEpochMilli() - killedAt;
            if (i <= WARM_UP_KILLS) {
                warmUp.add(relaunchMs);
            } else {
                noticed.add(noticedMs);
                relaunch.add(relaunchMs);
            }
        }
        healthy(d, victim, WARM_UP_KILLS + kills + 1L);
        List<String> others = ports.keySet().stream().filter(s -> !s.equals(victim)).toList();
        long otherRestarts = d.all("restart_decided").stream().filter(e -> !of(e, victim)).count();
        System.out.println("warm-up kills (not counted): death -> relaunch ms " + warmUp);
        System.out.println("death -> noticed  (ms, n=" + noticed.size() + "): " + Stats.summary(noticed));
        System.out.println("death -> relaunch (ms, n=" + relaunch.size() + "): " + Stats.summary(relaunch));
        System.out.println("restarts of the " + others.size() + " other servers meanwhile: " + otherRestarts);
        long rssAfter = ProcStat.rssKb(pid);
        System.out.printf("RSS after the kills: %.1f MB%n", rssAfter / 1024.0);
        return new Row(n, rss, rssAnon, threads, cpu.percent(), cpu.ticks(), cpu.cycles(), cpu.msPerCycle(),
                Stats.percentile(status, 50), Stats.percentile(status, 95),
                status.stream().mapToLong(Long::longValue).max().orElseThrow(), relaunch, noticed, warmUp, rssAfter,
                steadyRss, steadyCpu);
    }

    /** The daemon's CPU over {@code window} seconds, by thread on stdout, and per probe cycle of one server. */
    private static Cpu cpuWindow(long pid, Path dir, Map<String, Integer> ports, int n, int window) throws Exception {
        long requestsBefore = healthRequests(dir, ports);
        long ticksBefore = ProcStat.cpuTicks(pid);
        Map<String, Long> threadsBefore = ProcStat.threadTicks(pid);
        long start = System.nanoTime();
        Thread.sleep(window * 1000L); // the measurement window itself, not a wait for a condition
        long ticks = ProcStat.cpuTicks(pid) - ticksBefore;
        double wall = (System.nanoTime() - start) / 1e9;
        long cycles = healthRequests(dir, ports) - requestsBefore;
        System.out.println("CPU ticks by thread in the window:" + ProcStat.busiestThreads(threadsBefore, ProcStat.threadTicks(pid)));
        double cpuPercent = 100.0 * (ticks * ProcStat.TICK_MS / 1000.0) / wall;
        double msPerCycle = cycles == 0 ? Double.NaN : ticks * ProcStat.TICK_MS / cycles;
        System.out.printf("window %.1f s: daemon CPU %d ticks = %.2f %% of a core; %d HTTP probe cycles (%.1f per server per s):"
                + " %.2f ms CPU per server per cycle%n", wall, ticks, cpuPercent, cycles, cycles / wall / n, msPerCycle);
        return new Cpu(ticks, cycles, cpuPercent, msPerCycle);
    }

    private static Path writeConfig(Path dir, Map<String, Integer> ports, boolean host) throws IOException {
        StringBuilder yaml = new StringBuilder();
        yaml.append("state_dir: ").append(dir.resolve("state")).append('\n');
        yaml.append("audit: {path: ").append(dir.resolve("log/audit.jsonl")).append("}\n");
        yaml.append("defaults:\n")
                .append("  runtime: {startup_timeout: 30s, stop_grace: 2s, caches: []}\n")
                .append("  probes:\n")
                .append("    schedule: 1s\n")
                .append("    failure_threshold: 2\n")
                .append("    startup_interval: 100ms\n");
        if (host) {
            yaml.append("    host: {max_rss: 16GiB}\n");
        }
        yaml.append("  restart: {backoff_initial: 200ms, backoff_max: 2s, backoff_reset: 100ms, kill_timeout: 5s,")
                .append(" release_timeout: 5s, crash_loop: {max_restarts: 100000, window: 1m}}\n");
        yaml.append("servers:\n");
        ports.forEach((name, port) -> yaml.append("  ").append(name).append(":\n")
                .append("    runtime:\n")
                .append("      command: ").append(TestServer.command(port, 0, 0, dir.resolve(name + ".control"))).append('\n')
                .append("      workdir: ").append(dir).append('\n')
                .append("      port: ").append(port).append('\n')
                .append("      log: ").append(dir.resolve("log/" + name + ".log")).append('\n')
                .append("    probes: {http: {url: \"http://127.0.0.1:").append(port)
                .append("/health\", timeout: 1s, expect_status: 200}}\n"));
        Path config = dir.resolve("stack.yaml");
        Files.writeString(config, yaml.toString());
        return config;
    }

    /** HTTP health requests the servers have answered so far (the daemon writes no record per healthy cycle; each server logs each). */
    private static long healthRequests(Path dir, Map<String, Integer> ports) throws IOException {
        long count = 0;
        for (String name : ports.keySet()) {
            Path log = dir.resolve("log/" + name + ".log");
            if (Files.exists(log)) {
                try (var lines = Files.lines(log)) {
                    count += lines.filter(l -> l.contains("GET /health")).count();
                }
            }
        }
        return count;
    }

    /** bin/glyphctl ARGS… as a user runs it (the shaded jar and its CDS archive), to its exit. */
    private static int glyphctl(Path dir, String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(DaemonProcess.LAUNCHER.toString());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectErrorStream(true).redirectOutput(dir.resolve("status.out").toFile());
        Process p = pb.start();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("glyphctl " + cmd + " did not end in 30 s");
        }
        return p.exitValue();
    }

    private static JsonNode healthy(DaemonProcess d, String server, long generation) {
        return d.await("runtime_healthy", e -> of(e, server) && e.get("generation").asLong() == generation, T);
    }

    private static boolean of(JsonNode e, String server) {
        return e.path("server").asText().equals(server);
    }

    /** -Dstack.env: NAME=VALUE pairs separated by ';' for the daemon's environment (a diagnosis, not the figures). */
    private static Map<String, String> env() {
        Map<String, String> env = new LinkedHashMap<>();
        for (String pair : System.getProperty("stack.env", "").split(";")) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                env.put(pair.substring(0, eq), pair.substring(eq + 1));
            }
        }
        return env;
    }

    private StackBenchmark() {
    }
}
