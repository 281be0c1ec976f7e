package dev.glyphsupervisor.e2e;

import dev.glyphsupervisor.runtime.ProcInfo;
import dev.glyphsupervisor.runtime.Signals;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;

/**
 * The faults and what is measured after each, the same for every {@link Supervised} tool and seen from outside
 * (/proc and the port, polled every 1-2 ms), so that no tool's own bookkeeping is trusted or needed.
 */
final class Faults {

    static final Duration T = Duration.ofSeconds(60);
    /**
     * Before each fault the server stays up this long: past PM2's min_uptime and supervisord's startsecs (both
     * 1 s) and glyph-supervisor's backoff_reset (1 s here), so that each fault is a first failure for every tool
     * and none of them adds a crash-loop delay.
     */
    static final long SPELL_NS = 1_500_000_000L;
    private static final long POLL_NS = 1_000_000L;

    /** Set when the benchmark is interrupted: no tool is restarted any more while the shutdown hook closes them. */
    static volatile boolean stopping;

    private Faults() {
    }

    /** The program's process tree at one moment: its parent (launched by the tool) and the parent's workers. */
    record Tree(ProcInfo parent, List<ProcInfo> workers, long upAtNanos) {
        Set<Long> pids() {
            Set<Long> pids = new HashSet<>();
            pids.add(parent.pid());
            workers.forEach(w -> pids.add(w.pid()));
            return pids;
        }
    }

    /** Waits until the program runs as exactly one tree (no orphans beside it, nothing stopped) answering on its port. */
    static Tree awaitUp(ProcessWatch watch, ServerProgram program, boolean http, Duration timeout) {
        Tree[] found = new Tree[1];
        Await.until(timeout, "the program up as one tree on port " + program.port(), () -> {
            List<ProcInfo> live = watch.scan();
            Set<Long> pids = live.stream().map(ProcInfo::pid).collect(Collectors.toSet());
            List<ProcInfo> parents = live.stream().filter(i -> !pids.contains(i.ppid())).collect(Collectors.toList());
            if (parents.size() != 1 || live.size() != 1 + program.workers() || live.stream().anyMatch(ProcInfo::isStopped)) {
                return false;
            }
            if (!(http ? PortWatch.healthy(program.healthUrl()) : PortWatch.open(program.port()))) {
                return false;
            }
            List<ProcInfo> workers = new ArrayList<>(live);
            workers.remove(parents.get(0));
            found[0] = new Tree(parents.get(0), workers, System.nanoTime());
            return true;
        }, () -> "program processes " + watch.scan());
        return found[0];
    }

    private static void spell(Tree tree, long spellNs) {
        Await.until(T, "a healthy spell", () -> System.nanoTime() - tree.upAtNanos() > spellNs);
    }

    private static long ms(long nanos) {
        return Math.round(nanos / 1e6);
    }

    /**
     * Repeated trials of one fault against one tool. The benchmark runs the tools' trials round-robin (a trial of
     * each tool in turn, each tool with its own server), so that on a shared machine all of them meet the same load.
     * Every trial starts from the program up as one tree, past a healthy spell ({@link #upForTrial}).
     */
    abstract static class Trials {
        final Supervised tool;
        final ServerProgram program;
        final ProcessWatch watch;
        int trials;
        int operatorRestarts;

        Trials(Supervised tool, ServerProgram program) {
            this.tool = tool;
            this.program = program;
            this.watch = new ProcessWatch(program.marker(), tool.daemonPid());
        }

        /** One fault, measured; {@code counted} is false for warm-up trials. */
        abstract void trial(boolean counted) throws Exception;

        /** Counts the trial, then waits for the program up again ({@link #recover}) and up for {@code spellNs}. */
        Tree upForTrial(boolean http, long spellNs) throws Exception {
            trials++;
            Tree tree = recover(http);
            spell(tree, spellNs);
            return tree;
        }

        /** Up again after a fault; if the tool gave up (FATAL, errored), restarted as an operator would, and counted. */
        Tree recover(boolean http) throws Exception {
            try {
                return awaitUp(watch, program, http, Duration.ofSeconds(15));
            } catch (AssertionError gaveUp) {
                if (stopping) {
                    throw gaveUp;
                }
                if (!tool.daemonAlive()) {
                    throw new AssertionError("the daemon (pid " + tool.daemonPid() + ") is gone, not stopped by the benchmark: "
                            + tool.diagnostics(), gaveUp);
                }
                operatorRestarts++;
                tool.restartProgram();
                return awaitUp(watch, program, http, T);
            }
        }
    }

    // ---- death of the server ----

    /** @param warmUpUpMs the first deaths, not counted (a daemon seconds old is still loading its classes) */
    record Deaths(List<Long> existsMs, List<Long> upMs, List<Long> warmUpUpMs, int failures, int operatorRestarts) {
    }

    /**
     * SIGKILL of the server's main process: time until a new server process exists (exec'd: its argv is the
     * program's), and until its port accepts connections ({@code http}: answers 200).
     */
    static final class DeathTrials extends Trials {
        private final boolean http;
        private final long spellNs;
        private final List<Long> exists = new ArrayList<>();
        private final List<Long> up = new ArrayList<>();
        private final List<Long> warm = new ArrayList<>();
        private int failures;

        DeathTrials(Supervised tool, ServerProgram program, boolean http, long spellNs) {
            super(tool, program);
            this.http = http;
            this.spellNs = spellNs;
        }

        @Override
        void trial(boolean counted) throws Exception {
            Tree tree = upForTrial(http, spellNs);
            Set<Long> old = watch.livePids();
            long t0 = System.nanoTime();
            Signals.kill(tree.parent().pid(), Signals.SIGKILL);
            long existsAt = awaitNewProcess(watch, old, t0 + T.toNanos());
            long upAt = existsAt < 0 ? -1 : awaitPort(program, http, t0 + T.toNanos());
            if (upAt < 0) {
                failures++;
            } else if (!counted) {
                warm.add(ms(upAt - t0));
            } else {
                exists.add(ms(existsAt - t0));
                up.add(ms(upAt - t0));
            }
        }

        Deaths result() {
            return new Deaths(exists, up, warm, failures, operatorRestarts);
        }
    }

    private static long awaitNewProcess(ProcessWatch watch, Set<Long> old, long deadline) {
        while (System.nanoTime() < deadline) {
            for (ProcInfo p : watch.scan()) {
                if (!old.contains(p.pid())) {
                    return System.nanoTime();
                }
            }
            LockSupport.parkNanos(POLL_NS);
        }
        return -1;
    }

    private static long awaitPort(ServerProgram program, boolean http, long deadline) {
        while (System.nanoTime() < deadline) {
            if (http ? PortWatch.healthy(program.healthUrl()) : PortWatch.open(program.port())) {
                return System.nanoTime();
            }
            LockSupport.parkNanos(http ? 5 * POLL_NS : POLL_NS);
        }
        return -1;
    }

    // ---- death of the parent, workers left holding the port ----

    /**
     * @param orphansGoneMs    per trial where it happened: kill -> the old workers gone
     * @param newListenerMs    per trial where it happened: kill -> a new process holds the port's listening socket
     * @param orphansLeft      trials that ended (deadline) with old workers still alive, serving the port unsupervised
     * @param launches         new server parents seen in all trials (relaunches, failed ones included)
     * @param operatorRestarts trials after which the tool was not back 15 s after the benchmark removed the orphans
     */
    record Orphans(int trials, List<Long> orphansGoneMs, List<Long> newListenerMs, int orphansLeft, int launches,
            int operatorRestarts, List<String> statesAtDeadline) {
        int recovered() {
            return Math.min(orphansGoneMs.size(), newListenerMs.size());
        }
    }

    /** SIGKILL of the server's parent only; its workers keep the listening socket. Watched until recovered or the deadline. */
    static final class OrphanTrials extends Trials {
        private final Duration deadline;
        private final List<Long> gone = new ArrayList<>();
        private final List<Long> listening = new ArrayList<>();
        private final List<String> states = new ArrayList<>();
        private int left;
        private int launches;

        OrphanTrials(Supervised tool, ServerProgram program, Duration deadline) {
            super(tool, program);
            this.deadline = deadline;
        }

        @Override
        void trial(boolean counted) throws Exception {
            Tree tree = upForTrial(false, SPELL_NS);
            Set<Long> old = tree.pids();
            Set<Long> workers = new HashSet<>(old);
            workers.remove(tree.parent().pid());
            Set<Long> launched = new HashSet<>();
            long t0 = System.nanoTime();
            Signals.kill(tree.parent().pid(), Signals.SIGKILL);
            long goneAt = -1;
            long listeningAt = -1;
            boolean orphansAlive = true;
            while (System.nanoTime() - t0 < deadline.toNanos()) {
                List<ProcInfo> live = watch.scan();
                Set<Long> livePids = live.stream().map(ProcInfo::pid).collect(Collectors.toSet());
                orphansAlive = workers.stream().anyMatch(livePids::contains);
                if (!orphansAlive && goneAt < 0) {
                    goneAt = System.nanoTime();
                }
                List<Long> fresh = live.stream().filter(p -> !old.contains(p.pid())).map(ProcInfo::pid).collect(Collectors.toList());
                live.stream().filter(p -> !old.contains(p.pid()) && !livePids.contains(p.ppid())).forEach(p -> launched.add(p.pid()));
                if (listeningAt < 0 && !fresh.isEmpty()) {
                    Set<Long> inodes = PortWatch.listeningInodes(program.port());
                    if (fresh.stream().anyMatch(pid -> PortWatch.holds(pid, inodes))) {
                        listeningAt = System.nanoTime();
                    }
                }
                if (goneAt >= 0 && listeningAt >= 0) {
                    break;
                }
                LockSupport.parkNanos(2 * POLL_NS);
            }
            launches += launched.size();
            if (goneAt >= 0) {
                gone.add(ms(goneAt - t0));
            }
            if (listeningAt >= 0) {
                listening.add(ms(listeningAt - t0));
            }
            if (orphansAlive) {
                left++;
                states.add(tool.programState());
                workers.forEach(pid -> Signals.kill(pid, Signals.SIGKILL)); // the benchmark cleans up what the tool left
            }
            recover(false); // on its own once the port is free, or by an operator
        }

        Orphans result() {
            return new Orphans(trials, gone, listening, left, launches, operatorRestarts, states);
        }
    }

    // ---- hang: the whole tree stopped, the port still open ----

    /**
     * @param actedMs   per trial where it happened: SIGSTOP -> the hung parent gone or a new server process
     * @param decidedMs per trial, where the tool records it: SIGSTOP -> its own "restart decided" record
     */
    record Hangs(int trials, List<Long> actedMs, List<Long> decidedMs, int operatorRestarts, List<String> statesAtDeadline) {
    }

    /**
     * SIGSTOP of every process of the tree (the listening socket still accepts into its backlog). Each process is
     * stopped by pid, not by group: a tool that leaves its child in its own process group would be stopped too.
     * A hang not acted on by the deadline is ended by the benchmark (SIGKILL), which the tool sees as a death.
     */
    static final class HangTrials extends Trials {
        private final Duration deadline;
        private final List<Long> acted = new ArrayList<>();
        private final List<Long> decided = new ArrayList<>();
        private final List<String> states = new ArrayList<>();

        HangTrials(Supervised tool, ServerProgram program, Duration deadline) {
            super(tool, program);
            this.deadline = deadline;
        }

        @Override
        void trial(boolean counted) throws Exception {
            Tree tree = upForTrial(true, SPELL_NS);
            Set<Long> old = tree.pids();
            long stoppedAtMs = System.currentTimeMillis();
            long t0 = System.nanoTime();
            old.forEach(pid -> Signals.kill(pid, Signals.SIGSTOP));
            long actedAt = -1;
            while (System.nanoTime() - t0 < deadline.toNanos()) {
                Set<Long> live = watch.livePids();
                if (!live.contains(tree.parent().pid()) || !old.containsAll(live)) {
                    actedAt = System.nanoTime();
                    break;
                }
                LockSupport.parkNanos(2 * POLL_NS);
            }
            if (actedAt >= 0) {
                acted.add(ms(actedAt - t0));
            } else {
                states.add(tool.programState());
                old.forEach(pid -> Signals.kill(pid, Signals.SIGKILL));
            }
            tool.restartDecidedAt(stoppedAtMs).ifPresent(at -> decided.add(at - stoppedAtMs));
        }

        Hangs result() {
            return new Hangs(trials, acted, decided, operatorRestarts, states);
        }
    }

    // ---- idle ----

    record Idle(long seconds, long ticks, long rssKb, long rssAnonKb, long threads, String busiestThreads) {
        double cpuPercent() {
            return 100.0 * ticks * ProcStat.TICK_MS / 1000.0 / seconds;
        }
    }

    /** CPU and memory of each daemon over the same window, all supervising a healthy server and otherwise left alone. */
    static Map<Supervised, Idle> idle(List<Supervised> tools, long seconds) throws Exception {
        Map<Supervised, Long> ticks = new java.util.LinkedHashMap<>();
        Map<Supervised, Map<String, Long>> threads = new java.util.LinkedHashMap<>();
        for (Supervised t : tools) {
            ticks.put(t, ProcStat.cpuTicks(t.daemonPid()));
            threads.put(t, ProcStat.threadTicks(t.daemonPid()));
        }
        long start = System.nanoTime();
        Thread.sleep(seconds * 1000L); // the measurement window itself, not a wait for a condition
        long wall = Math.round((System.nanoTime() - start) / 1e9);
        Map<Supervised, Idle> result = new java.util.LinkedHashMap<>();
        for (Supervised t : tools) {
            long pid = t.daemonPid();
            result.put(t, new Idle(wall, ProcStat.cpuTicks(pid) - ticks.get(t), ProcStat.rssKb(pid),
                    ProcStat.statusKb(pid, "RssAnon"), ProcStat.threads(pid),
                    ProcStat.busiestThreads(threads.get(t), ProcStat.threadTicks(pid))));
        }
        return result;
    }

    // ---- status commands ----

    /** @param nonZeroExits how many runs exited non-zero (each with its code), so a failing answer is not timed as one */
    record StatusTimes(List<Long> ms, List<Integer> nonZeroExits) {
    }

    /** Every tool's status commands, round-robin ({@code warmUp} rounds dropped), so that all meet the same load. */
    static Map<String, StatusTimes> statusTimes(List<Supervised> tools, int runs, int warmUp) {
        Map<String, StatusTimes> times = new java.util.LinkedHashMap<>();
        for (int round = 1; round <= warmUp + runs; round++) {
            for (Supervised t : tools) {
                for (Map.Entry<String, List<String>> cmd : t.statusCommands().entrySet()) {
                    long start = System.nanoTime();
                    Executables.Result r = Executables.run(cmd.getValue(), t.environment());
                    long ms = ms(System.nanoTime() - start);
                    StatusTimes st = times.computeIfAbsent(cmd.getKey(), k -> new StatusTimes(new ArrayList<>(), new ArrayList<>()));
                    if (round > warmUp) {
                        st.ms().add(ms);
                        if (r.exit() != 0) {
                            st.nonZeroExits().add(r.exit());
                        }
                    }
                }
            }
        }
        return times;
    }

    /** SIGKILL to every process of the program still alive (stopped ones included): nothing outlives a benchmark step. */
    static void killProgram(ServerProgram program) {
        for (ProcInfo p : new ProcessWatch(program.marker(), -1).scan()) {
            Signals.kill(p.pid(), Signals.SIGKILL);
        }
    }

    /** For the probe-cycle figure: CPU ticks of a daemon over a window, and the probe cycles the server saw. */
    record Cycles(long seconds, long ticks, long cycles, String busiestThreads) {
        double msPerCycle() {
            return cycles == 0 ? Double.NaN : ticks * ProcStat.TICK_MS / cycles;
        }
    }

    static Map<GlyphRunner, Cycles> probeCycles(List<GlyphRunner> daemons, long seconds) throws Exception {
        Map<GlyphRunner, long[]> before = new java.util.LinkedHashMap<>();
        Map<GlyphRunner, Map<String, Long>> threads = new java.util.LinkedHashMap<>();
        for (GlyphRunner d : daemons) {
            before.put(d, new long[] {ProcStat.cpuTicks(d.daemonPid()), d.healthRequests()});
            threads.put(d, ProcStat.threadTicks(d.daemonPid()));
        }
        long start = System.nanoTime();
        Thread.sleep(seconds * 1000L); // the measurement window itself
        long wall = Math.round((System.nanoTime() - start) / 1e9);
        Map<GlyphRunner, Cycles> result = new java.util.LinkedHashMap<>();
        for (GlyphRunner d : daemons) {
            long[] b = before.get(d);
            result.put(d, new Cycles(wall, ProcStat.cpuTicks(d.daemonPid()) - b[0], d.healthRequests() - b[1],
                    ProcStat.busiestThreads(threads.get(d), ProcStat.threadTicks(d.daemonPid()))));
        }
        return result;
    }
}
