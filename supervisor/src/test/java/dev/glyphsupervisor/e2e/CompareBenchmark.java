package dev.glyphsupervisor.e2e;

import dev.glyphsupervisor.e2e.Supervised.Scenario;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * glyph-supervisor against supervisord and PM2, in one run, on the same faults (a command that prints figures,
 * not a test):
 *
 * <pre>./mvnw -B -q -Pcompare -pl model-runtime/reference,supervisor -am verify -DskipTests [-Dcompare.idle=600] ...</pre>
 *
 * <p>Every tool supervises the same program (same argv, working directory, port) and meets the same faults,
 * measured the same way from outside ({@link Faults}); the tools' trials run round-robin, so that on a shared
 * machine they all meet the same load. A tool that cannot be run here is reported as unavailable; the others are
 * still measured. The steps:
 *
 * <ol>
 *   <li>SIGKILL of the server (no workers): kill -> a new server process exists, and -> its port is open.</li>
 *   <li>SIGKILL of the parent only, two workers keeping the listening socket: are the orphans ended, does a new
 *       server come to hold the port, or do the orphans go on serving unsupervised.</li>
 *   <li>SIGSTOP of the tree (hung, port open): does the tool act, how soon; glyph-supervisor's own
 *       {@code restart_decided} against its bound.</li>
 *   <li>MTTR with the reference runtime as conf/glyph-supervisor.yaml launches it: kill -> /health 200.</li>
 *   <li>glyph-supervisor's probe-cycle CPU time, with and without the GPU probe on the fake NVML.</li>
 *   <li>Each daemon's RSS and CPU over the same idle window, then each tool's status command, round-robin.</li>
 * </ol>
 */
public final class CompareBenchmark {

    /** A tool to compare: its short label and how to make a fresh runner for one step. */
    private record Tool(String label, String name, Supplier<Supervised> make) {
    }

    /** figure -> tool label -> value: printed as a table at the end. */
    private static final String ALL_STEPS = "deaths,orphans,hangs,mttr,probe,idle";
    private static final Map<String, Map<String, String>> TABLE = new LinkedHashMap<>();
    private static final List<Supervised> OPEN = new ArrayList<>();
    /**
     * Before each reference-runtime kill: 3 s up. glyph-supervisor learns of health at its startup_interval (1 s in
     * the conf), so from outside a spell must last that plus its backoff_reset (1 s) to be a first death for it.
     */
    private static final long MTTR_SPELL_NS = 3_000_000_000L;

    public static void main(String[] args) throws Exception {
        int kills = Integer.getInteger("compare.kills", 50);
        int warmUp = Integer.getInteger("compare.warmup", 5);
        int orphanTrials = Integer.getInteger("compare.orphans", 5);
        int hangTrials = Integer.getInteger("compare.hangs", 5);
        Duration deadline = Duration.ofSeconds(Integer.getInteger("compare.deadline", 20));
        int mttrKills = Integer.getInteger("compare.mttrKills", 5);
        int idleSeconds = Integer.getInteger("compare.idle", 600);
        int probeSeconds = Integer.getInteger("compare.probeWindow", 60);
        int statusRuns = Integer.getInteger("compare.statusRuns", 20);
        Set<String> steps = Set.of(System.getProperty("compare.steps", ALL_STEPS).split(","));
        for (String step : steps) {
            if (!Set.of(ALL_STEPS.split(",")).contains(step)) {
                throw new IllegalArgumentException("compare.steps: unknown step '" + step + "'; the steps are " + ALL_STEPS);
            }
        }
        Path dir = Files.createTempDirectory("glyph-compare");
        Runtime.getRuntime().addShutdownHook(new Thread(CompareBenchmark::closeAll));

        System.out.println("glyph-supervisor vs supervisord vs PM2, " + Instant.now());
        machine();
        System.out.println("work dir (configs, logs, audit logs): " + dir);
        List<Tool> tools = tools();
        List<String> labels = tools.stream().map(Tool::label).toList();

        if (steps.contains("deaths")) {
            section("1. SIGKILL of the server (forking_server.py, no workers); " + warmUp + " warm-up kills, then " + kills
                    + "; round-robin");
            roundRobin(tools, warmUp, kills, (tool, s) -> {
                ServerProgram p = ServerProgram.forkingServer(dir.resolve(tool.label() + "-deaths"), 0);
                start(s, p, Scenario.DEATHS);
                return new Faults.DeathTrials(s, p, false, Faults.SPELL_NS);
            }).forEach((tool, trials) -> {
                Faults.Deaths d = trials.result();
                put("death -> new server process, ms", tool, Stats.summary(d.existsMs()));
                put("death -> port open again, ms", tool, Stats.summary(d.upMs()));
                put("(warm-up deaths -> port open, ms, not counted)", tool, d.warmUpUpMs().toString());
                note(tool, "deaths not recovered within 60 s: " + d.failures() + ", operator restarts needed: " + d.operatorRestarts());
            });
        }

        if (steps.contains("orphans")) {
            section("2. SIGKILL of the parent only; 2 workers keep the port (" + orphanTrials + " trials, " + deadline.toSeconds()
                    + " s each at most); round-robin");
            roundRobin(tools, 0, orphanTrials, (tool, s) -> {
                ServerProgram p = ServerProgram.forkingServer(dir.resolve(tool.label() + "-orphans"), 2);
                start(s, p, Scenario.DEATHS);
                return new Faults.OrphanTrials(s, p, deadline);
            }).forEach((tool, trials) -> {
                Faults.Orphans o = trials.result();
                put("orphans: trials recovered (orphans ended, new server holds the port)", tool, o.recovered() + " of " + o.trials());
                put("orphans: kill -> orphans ended, ms", tool, count(o.orphansGoneMs(), o.trials()));
                put("orphans: kill -> new server holds the port, ms", tool, count(o.newListenerMs(), o.trials()));
                put("orphans: trials ending with orphans serving the port unsupervised", tool, o.orphansLeft() + " of " + o.trials());
                put("orphans: server launches seen (failed ones included)", tool, Integer.toString(o.launches()));
                put("orphans: operator restarts needed afterwards (not back 15 s after the orphans were removed)", tool,
                        Integer.toString(o.operatorRestarts()));
                if (!o.statesAtDeadline().isEmpty()) {
                    put("orphans: the tool's status at the deadline (first trial)", tool, o.statesAtDeadline().get(0));
                }
            });
        }

        if (steps.contains("hangs")) {
            section("3. SIGSTOP of the tree, port open (" + hangTrials + " trials, " + deadline.toSeconds() + " s each at most);"
                    + " glyph-supervisor: HTTP probe every 1 s, failure_threshold 2, timeout 1 s: bound 3000 ms; round-robin");
            roundRobin(tools, 0, hangTrials, (tool, s) -> {
                ServerProgram p = ServerProgram.forkingServer(dir.resolve(tool.label() + "-hangs"), 2);
                start(s, p, Scenario.HANGS);
                return new Faults.HangTrials(s, p, deadline);
            }).forEach((tool, trials) -> {
                Faults.Hangs h = trials.result();
                put("hang -> hung server killed or replaced, ms", tool, count(h.actedMs(), h.trials()));
                put("hang -> restart decided (own record; bound 3000 ms), ms", tool,
                        h.decidedMs().isEmpty() ? "no such record" : count(h.decidedMs(), h.trials()));
                if (!h.statesAtDeadline().isEmpty()) {
                    put("hang: the tool's status at the deadline (first trial)", tool, h.statesAtDeadline().get(0));
                }
            });
        }

        if (steps.contains("mttr")) {
            section("4. MTTR, the reference runtime as conf/glyph-supervisor.yaml launches it (1 warm-up kill, then " + mttrKills
                    + "; round-robin)");
            roundRobin(tools, 1, mttrKills, (tool, s) -> {
                ServerProgram p = ServerProgram.referenceRuntime(dir.resolve(tool.label() + "-mttr"));
                start(s, p, Scenario.OWN_CONFIG);
                return new Faults.DeathTrials(s, p, true, MTTR_SPELL_NS);
            }).forEach((tool, trials) -> {
                Faults.Deaths d = trials.result();
                put("MTTR reference runtime: kill -> new process, ms", tool, Stats.summary(d.existsMs()));
                put("MTTR reference runtime: kill -> /health 200, ms", tool, Stats.summary(d.upMs()));
                note(tool, "MTTR warm-up kill -> /health 200: " + d.warmUpUpMs() + " ms; not recovered: " + d.failures());
            });
        }

        if (steps.contains("probe")) {
            section("5. glyph-supervisor's probe cycle (every 250 ms: process + HTTP [+ GPU memory, fake NVML]), " + probeSeconds + " s");
            probeCycles(dir, probeSeconds, tools.get(0));
        }

        if (steps.contains("idle")) {
            section("6. idle " + idleSeconds + " s (all daemons together, each supervising a healthy server; glyph-supervisor probes"
                    + " once a minute), then status commands (" + statusRuns + " runs each, round-robin, after 2 warm-up rounds)");
            idleAndStatus(dir, tools, idleSeconds, statusRuns);
        }

        System.out.println();
        System.out.println("load average at the end: " + Files.readString(Path.of("/proc/loadavg")).strip());
        System.out.println();
        table(labels);
    }

    private static List<Tool> tools() {
        List<Tool> tools = new ArrayList<>();
        tools.add(new Tool("glyph-supervisor", new GlyphRunner().name(), GlyphRunner::new));
        StringBuilder whyNot = new StringBuilder();
        Optional<SupervisordRunner> supervisord = SupervisordRunner.find(whyNot);
        if (supervisord.isPresent()) {
            tools.add(new Tool("supervisord", supervisord.get().name(), () -> SupervisordRunner.find(new StringBuilder()).orElseThrow()));
        } else {
            System.out.println("supervisord: UNAVAILABLE, not compared: " + whyNot);
        }
        whyNot.setLength(0);
        Optional<Pm2Runner> pm2 = Pm2Runner.find(whyNot);
        if (pm2.isPresent()) {
            tools.add(new Tool("PM2", pm2.get().name(), () -> Pm2Runner.find(new StringBuilder()).orElseThrow()));
        } else {
            System.out.println("PM2: UNAVAILABLE, not compared: " + whyNot);
        }
        for (Tool t : tools) {
            System.out.println("tool: " + t.name());
        }
        return tools;
    }

    private static void machine() throws Exception {
        String cpu = Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                .findFirst().map(l -> l.substring(l.indexOf(':') + 1).strip()).orElse("unknown");
        String mem = Files.readAllLines(Path.of("/proc/meminfo")).stream().filter(l -> l.startsWith("MemTotal"))
                .findFirst().map(l -> String.format("%.1f GiB", Long.parseLong(l.replaceAll("\\D", "")) / 1024.0 / 1024.0))
                .orElse("unknown");
        System.out.println("machine: " + Runtime.getRuntime().availableProcessors() + " cpus (" + cpu + "), " + mem
                + " RAM, Linux " + System.getProperty("os.version"));
        System.out.println("java: " + System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version")
                + "; python: " + Executables.output(List.of(Executables.python(), "--version"), Map.of()).strip()
                + " (" + Executables.python() + ")");
        System.out.println("load average at the start: " + Files.readString(Path.of("/proc/loadavg")).strip());
    }

    private interface Setup<R extends Faults.Trials> {
        /** Starts the tool on a program of its own and gives the trials to run against it. */
        R start(Tool tool, Supervised s) throws Exception;
    }

    /**
     * Starts every tool (a fresh runner each, on its own program), then runs {@code warmUp + rounds} rounds of one
     * trial per tool in turn. A tool that fails is reported, closed and left out of the later rounds; the others go
     * on. Gives the trials of the tools that finished every round.
     */
    private static <R extends Faults.Trials> Map<Tool, R> roundRobin(List<Tool> tools, int warmUp, int rounds, Setup<R> setup) {
        Map<Tool, R> trials = new LinkedHashMap<>();
        Map<Tool, Supervised> runners = new LinkedHashMap<>();
        try {
            for (Tool tool : tools) {
                Supervised s = tool.make().get();
                runners.put(tool, s);
                try {
                    trials.put(tool, setup.start(tool, s));
                } catch (Exception | AssertionError e) {
                    failed(tool, "start", e);
                    close(s);
                    runners.remove(tool);
                }
            }
            for (int round = 1; round <= warmUp + rounds; round++) {
                for (Tool tool : List.copyOf(trials.keySet())) {
                    try {
                        trials.get(tool).trial(round > warmUp);
                    } catch (Exception | AssertionError e) {
                        failed(tool, "round " + round, e);
                        trials.remove(tool);
                        close(runners.remove(tool));
                    }
                }
            }
        } finally {
            runners.values().forEach(CompareBenchmark::close);
        }
        return trials;
    }

    private static void failed(Tool tool, String when, Throwable e) {
        String message = String.valueOf(e.getMessage());
        System.out.println("  " + tool.label() + ": FAILED (" + when + "): " + e.getClass().getSimpleName() + ": "
                + message.substring(0, Math.min(2000, message.length())));
        put("(failed, left out)", tool, when + ": " + e.getClass().getSimpleName());
    }

    private static void start(Supervised s, ServerProgram p, Scenario scenario) throws Exception {
        synchronized (OPEN) {
            OPEN.add(s);
        }
        s.start(p, scenario);
    }

    private static void close(Supervised s) {
        try {
            s.close();
        } catch (Exception e) {
            System.out.println("  (closing " + s.getClass().getSimpleName() + ": " + e + ")");
        }
        synchronized (OPEN) {
            OPEN.remove(s);
        }
    }

    private static void closeAll() {
        Faults.stopping = true;
        List<Supervised> open;
        synchronized (OPEN) {
            open = new ArrayList<>(OPEN);
        }
        open.forEach(CompareBenchmark::close);
    }

    private static void probeCycles(Path dir, int seconds, Tool glyph) {
        Path fakeNvml = ServerProgram.REPO.resolve("probes/target/fake-nvml/current/libnvidia-ml.so.1");
        List<GlyphRunner> daemons = new ArrayList<>();
        try {
            GlyphRunner plain = new GlyphRunner();
            daemons.add(plain);
            ServerProgram plainProgram = ServerProgram.forkingServer(dir.resolve("probe-plain"), 0);
            start(plain, plainProgram, Scenario.PROBE_CYCLES);
            GlyphRunner gpu = null;
            ServerProgram gpuProgram = ServerProgram.forkingServer(dir.resolve("probe-gpu"), 0);
            if (Files.exists(fakeNvml)) {
                gpu = new GlyphRunner(Optional.of(fakeNvml));
                daemons.add(gpu);
                start(gpu, gpuProgram, Scenario.PROBE_CYCLES);
            } else {
                System.out.println("  fake NVML UNAVAILABLE (" + fakeNvml + " not built: the probes module's build makes it);"
                        + " GPU probe not measured");
            }
            Faults.awaitUp(new ProcessWatch(plainProgram.marker(), plain.daemonPid()), plainProgram, true, Faults.T);
            if (gpu != null) {
                Faults.Tree tree = Faults.awaitUp(new ProcessWatch(gpuProgram.marker(), gpu.daemonPid()), gpuProgram, true, Faults.T);
                gpu.gpuScript(List.copyOf(tree.pids()));
            }
            Thread.sleep(10_000); // warm-up excluded from the window: class loading and JIT of the start
            Map<GlyphRunner, Faults.Cycles> cycles = Faults.probeCycles(daemons, seconds);
            cycles.forEach((d, c) -> {
                String what = d == plain ? "probe cycle CPU, process + HTTP, ms" : "probe cycle CPU, process + HTTP + GPU (fake NVML), ms";
                put(what, glyph, String.format("%.2f (%d ticks / %d cycles in %d s)", c.msPerCycle(), c.ticks(), c.cycles(), c.seconds()));
                System.out.println("  " + what + ": CPU ticks by thread:" + c.busiestThreads());
            });
        } catch (Exception | AssertionError e) {
            System.out.println("  glyph-supervisor: probe cycles FAILED: " + e);
        } finally {
            daemons.forEach(CompareBenchmark::close);
        }
    }

    private static void idleAndStatus(Path dir, List<Tool> tools, int seconds, int runs) {
        List<Supervised> running = new ArrayList<>();
        Map<Supervised, Tool> toolOf = new LinkedHashMap<>();
        try {
            for (Tool tool : tools) {
                Supervised s = tool.make().get();
                try {
                    ServerProgram p = ServerProgram.forkingServer(dir.resolve(tool.label() + "-idle"), 0);
                    start(s, p, Scenario.IDLE);
                    Faults.awaitUp(new ProcessWatch(p.marker(), s.daemonPid()), p, true, Faults.T);
                    running.add(s);
                    toolOf.put(s, tool);
                } catch (Exception | AssertionError e) {
                    System.out.println("  " + tool.label() + ": idle start FAILED: " + e);
                    close(s);
                }
            }
            Thread.sleep(10_000); // warm-up excluded from the window
            Map<Supervised, Faults.Idle> idle = Faults.idle(running, seconds);
            idle.forEach((s, i) -> {
                Tool tool = toolOf.get(s);
                put("idle daemon RSS (RssAnon), MB", tool, String.format("%.1f (%.1f)", i.rssKb() / 1024.0, i.rssAnonKb() / 1024.0));
                put("idle daemon CPU, % of a core (ticks of 10 ms)", tool, String.format("%.3f (%d in %d s)", i.cpuPercent(), i.ticks(), i.seconds()));
                put("idle daemon threads", tool, Long.toString(i.threads()));
                System.out.println("  " + tool.label() + " idle CPU ticks by thread:" + i.busiestThreads());
            });
            Map<String, Faults.StatusTimes> status = Faults.statusTimes(running, runs, 2);
            for (Supervised s : running) {
                for (String label : s.statusCommands().keySet()) {
                    Faults.StatusTimes st = status.get(label);
                    put("status command median, ms", toolOf.get(s), label + ": " + Stats.median(st.ms()) + " (min "
                            + Stats.percentile(st.ms(), 1) + ", max " + Stats.percentile(st.ms(), 100) + ", n=" + st.ms().size()
                            + (st.nonZeroExits().isEmpty() ? "" : ", NON-ZERO EXITS " + st.nonZeroExits()) + ")");
                }
            }
        } catch (Exception | AssertionError e) {
            System.out.println("  idle/status FAILED: " + e);
        } finally {
            running.forEach(CompareBenchmark::close);
        }
    }

    private static void section(String title) {
        System.out.println();
        System.out.println("== " + title);
    }

    private static void put(String figure, Tool tool, String value) {
        System.out.println("  " + tool.label() + ": " + figure + ": " + value);
        TABLE.computeIfAbsent(figure, f -> new LinkedHashMap<>()).merge(tool.label(), value.replace('|', '/'), (a, b) -> a + "; " + b);
    }

    private static void note(Tool tool, String text) {
        System.out.println("  " + tool.label() + ": " + text);
    }

    /** "k of n: p50 …" where only k of n trials reached the point measured, "none of n" where none did. */
    private static String count(List<Long> values, int trials) {
        return values.isEmpty() ? "none of " + trials : values.size() + " of " + trials + ": " + Stats.summary(values);
    }

    private static void table(List<String> labels) {
        System.out.println("| figure | " + String.join(" | ", labels) + " |");
        System.out.println("| --- |" + " --- |".repeat(labels.size()));
        TABLE.forEach((figure, values) -> {
            StringBuilder row = new StringBuilder("| " + figure + " |");
            for (String l : labels) {
                row.append(' ').append(values.getOrDefault(l, "—")).append(" |");
            }
            System.out.println(row);
        });
    }

    private CompareBenchmark() {
    }
}
