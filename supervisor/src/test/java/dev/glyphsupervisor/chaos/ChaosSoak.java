package dev.glyphsupervisor.chaos;

import dev.glyphsupervisor.e2e.Await;
import dev.glyphsupervisor.runtime.ProcInfo;
import dev.glyphsupervisor.runtime.ProcessTable;
import dev.glyphsupervisor.runtime.Signals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The chaos soak: four lanes (the worker-forking test server, the reference runtime, a stack of three
 * forking servers, two requiring one, and the reference runtime with its engine fault endpoints under client
 * traffic, watched by the progress and inference probes), each under its own real daemon, get faults drawn from a seeded random
 * stream, one after another, until the fault and probe-cycle targets are met; meanwhile a monitor checks that
 * no server ever has two trees, and (the stack) that no dependent outlives what it requires by more than its
 * stop ({@link StackMonitor}). At the
 * end: one healthy tree per lane, the daemons stopped with no process left behind, the audit logs checked,
 * the long-lived daemon's RSS, threads and descriptors compared between warm-up and end.
 *
 * <p>Each lane's first faults are its kinds in a shuffled order (so a short run sees every kind), then
 * kinds drawn at random. Between faults the server stays healthy for a random 0.5-3.5 s (a couple to a
 * dozen liveness cycles), so faults fall both inside and outside backoff_reset.
 */
final class ChaosSoak {

    static final Path LAUNCHER = Path.of(System.getProperty("basedir", "."), "..", "bin", "glyphctl")
            .toAbsolutePath().normalize();
    private static final double FLAT_PERCENT = 5.0;
    /** A shorter run ends inside warm-up (JIT, fixed thread pools still filling): flatness is not checked. */
    private static final Duration FLAT_MIN_RUN = Duration.ofMinutes(10);

    private final ChaosSettings settings;
    private final LatencyRecorder recorder = new LatencyRecorder();
    private final AtomicBoolean done = new AtomicBoolean();
    /** Lanes that have injected each of their kinds once. */
    private final java.util.concurrent.atomic.AtomicInteger firstRounds = new java.util.concurrent.atomic.AtomicInteger();

    ChaosSoak(ChaosSettings settings) {
        this.settings = settings;
    }

    ChaosReport run(Path base) throws Exception {
        System.out.println("chaos soak seed " + settings.seed() + " (rerun with -Dchaos.seed=" + settings.seed() + "), "
                + settings.faults() + " faults, " + settings.cycles() + " probe cycles, at most "
                + settings.maxTime().toMinutes() + " min, lanes " + settings.lanes() + ", in " + base);
        long started = System.currentTimeMillis();
        Random master = new Random(settings.seed());
        // each lane's stream is drawn in this order whichever lanes run, so a lane replays alone as in company
        Map<String, Random> randoms = new LinkedHashMap<>();
        for (String name : ChaosSettings.ALL_LANES) {
            randoms.put(name, new Random(master.nextLong()));
        }
        List<Lane> lanes = new ArrayList<>();
        List<String> violations = new ArrayList<>();
        Map<String, ResourceSampler.Verdict> resources = new LinkedHashMap<>();
        Map<String, AuditCheck.Result> audits = new LinkedHashMap<>();
        Map<String, Integer> daemons = new LinkedHashMap<>();
        Map<String, ResourceSampler> samplers = new LinkedHashMap<>();
        long scans;
        String cacheMechanism = "none (no reference lane)";
        String loadSummary;
        StackMonitor stackMonitor = null;
        try {
            if (settings.lanes().contains("forking")) {
                lanes.add(Lane.forking(base.resolve("forking"), randoms.get("forking"), settings.launcher(), recorder,
                        settings.slackMs()));
            }
            if (settings.lanes().contains("reference")) {
                Lane reference = Lane.reference(base.resolve("reference"), randoms.get("reference"), settings.launcher(),
                        recorder, settings.slackMs(), settings.headroom());
                lanes.add(reference);
                cacheMechanism = reference.cacheBlock().mechanism().name();
                System.out.println("reference runtime max_rss " + reference.maxRss() + " bytes; cache fault by " + cacheMechanism);
            }
            if (settings.lanes().contains("inference")) {
                lanes.add(Lane.inference(base.resolve("inference"), randoms.get("inference"), settings.launcher(),
                        recorder, settings.slackMs()));
            }
            Lane stack = null;
            if (settings.lanes().contains("stack")) {
                stack = Lane.stack(base.resolve("stack"), randoms.get("stack"), settings.launcher(), recorder,
                        settings.slackMs());
                lanes.add(stack);
            }
            List<Path> treeDirs = lanes.stream().flatMap(l -> l.servers().stream()).map(Lane::stateDir).toList();
            try (LoadSampler load = new LoadSampler();
                 InvariantMonitor monitor = new InvariantMonitor(treeDirs, 200)) {
                for (Lane lane : lanes) {
                    samplers.put(lane.name(), new ResourceSampler(lane::daemonPid, 2000));
                }
                for (Lane lane : lanes) {
                    lane.startDaemon();
                    lane.startTraffic();
                }
                if (stack != null) {
                    Map<String, Path> dirs = new LinkedHashMap<>();
                    stack.servers().forEach(v -> dirs.put(v.server(), v.stateDir()));
                    Bounds b = stack.bounds();
                    stackMonitor = new StackMonitor(stack, Lane.REQUIRED, Lane.DEPENDENTS, dirs,
                            b.stopGraceMs() + b.killTimeoutMs() + b.slackMs(), 200);
                }
                List<Thread> threads = new ArrayList<>();
                for (Lane lane : lanes) {
                    Thread t = new Thread(() -> faultLoop(lane), "chaos-" + lane.name());
                    t.start();
                    threads.add(t);
                }
                long deadline = started + settings.maxTime().toMillis();
                while (!done.get()) {
                    lanes.forEach(l -> l.probes().scrape());
                    long cycles = lanes.stream().mapToLong(l -> l.probes().cycles()).sum();
                    boolean targets = recorder.count() >= settings.faults() && cycles >= settings.cycles()
                            && firstRounds.get() == lanes.size();
                    if (targets || System.currentTimeMillis() > deadline || lanesStopped(threads)) {
                        done.set(true);
                    }
                    Thread.sleep(1000); // the scrape period
                }
                for (Thread t : threads) {
                    t.join();
                }
                for (Lane lane : lanes) {
                    String traffic = lane.stopTraffic();
                    if (!traffic.isEmpty()) {
                        System.out.println(lane.name() + " lane traffic: " + traffic);
                    }
                }
                lanes.forEach(l -> l.probes().scrape());
                for (Lane lane : lanes) {
                    for (Lane server : lane.servers()) {
                        if (server.awaitServing().isEmpty()) {
                            violations.add(server.name() + ": not healthy at the end");
                        }
                        int trees = ServerTrees.of(server.stateDir()).size();
                        if (trees != 1) {
                            violations.add(server.name() + ": " + trees + " server trees at the end, not 1");
                        }
                    }
                    daemons.put(lane.name(), lane.daemonsStarted());
                }
                boolean longEnough = System.currentTimeMillis() - started >= FLAT_MIN_RUN.toMillis();
                for (Map.Entry<String, ResourceSampler> s : samplers.entrySet()) {
                    // only the forking lane's daemon lives the whole run; the others are SIGKILLed by faults
                    String label = s.getKey().equals("forking")
                            ? (longEnough ? "forking" : "forking (run under " + FLAT_MIN_RUN.toMinutes()
                            + " min: inside warm-up, not checked)")
                            : s.getKey() + " (last daemon)";
                    resources.put(label, s.getValue().verdict());
                    if (s.getKey().equals("forking") && settings.checkFlat() && longEnough) {
                        for (String o : s.getValue().verdict().overLimit(FLAT_PERCENT)) {
                            violations.add("forking lane daemon not flat after warm-up: " + o);
                        }
                    }
                }
                for (Lane lane : lanes) {
                    int exit = lane.stopDaemon();
                    if (exit != 143) {
                        violations.add(lane.name() + ": daemon exited " + exit + " on SIGTERM, not 143:\n" + lane.daemonOutput());
                    }
                }
                if (stackMonitor != null) {
                    stackMonitor.close();
                    violations.addAll(stackMonitor.violations().stream().map(v -> "stack: " + v).toList());
                    System.out.println("stack lane: base down " + stackMonitor.downEpisodes()
                            + " times by the audit (daemon starts included), " + stackMonitor.scans() + " dependency scans");
                }
                violations.addAll(leftovers(base));
                violations.addAll(monitor.violations());
                scans = monitor.scans();
                loadSummary = load.summary();
            }
            for (Lane lane : lanes) {
                int kills = (int) recorder.records().stream()
                        .filter(r -> ofLane(r, lane) && r.kind() == FaultKind.DAEMON_SIGKILL).count();
                java.util.Set<String> servers = lane.target() == Lane.Target.STACK
                        ? lane.servers().stream().map(Lane::server).collect(java.util.stream.Collectors.toSet()) : null;
                AuditCheck.Result r = AuditCheck.check(lane.auditPath(), kills, servers);
                audits.put(lane.name(), r);
                r.problems().forEach(p -> violations.add(lane.name() + " audit: " + p));
                Map<String, Integer> counts = new java.util.TreeMap<>();
                AuditCheck.servingProblems(lane.auditPath(), recorder.records().stream().filter(f -> ofLane(f, lane))
                        .toList(), counts).forEach(p -> violations.add(lane.name() + " audit: " + p));
                if (lane.target() == Lane.Target.INFERENCE) {
                    System.out.println("inference lane, from the audit: " + counts);
                }
            }
        } finally {
            done.set(true);
            if (stackMonitor != null) {
                stackMonitor.close();
            }
            for (ResourceSampler s : samplers.values()) {
                s.close();
            }
            cleanUp(lanes, base);
        }
        long cycles = lanes.stream().mapToLong(l -> l.probes().cycles()).sum();
        if (recorder.count() < settings.faults()) {
            violations.add("only " + recorder.count() + " faults injected, target " + settings.faults());
        }
        if (cycles < settings.cycles()) {
            violations.add("only " + cycles + " liveness probe cycles, target " + settings.cycles());
        }
        violations.addAll(0, recorder.violations());
        Map<String, Bounds> bounds = new LinkedHashMap<>();
        lanes.forEach(l -> l.servers().forEach(v -> bounds.put(v.name(), v.bounds())));
        return new ChaosReport(settings, started, System.currentTimeMillis() - started, cycles, recorder.records(),
                bounds, violations, scans, resources, audits, daemons, cacheMechanism, Machine.describe() + "; " + loadSummary);
    }

    /** Whether a fault went to this lane (or, in a stack, to one of its servers). */
    private static boolean ofLane(FaultRecord r, Lane lane) {
        return r.lane().equals(lane.name()) || r.lane().startsWith(lane.name() + ":");
    }

    /** One lane: a fault at a time, each on a healthy server, until the run is done. */
    private void faultLoop(Lane lane) {
        List<FaultKind> firstRound = new ArrayList<>(lane.kinds());
        Collections.shuffle(firstRound, lane.random());
        int n = 0;
        try {
            while (!done.get()) {
                var serving = lane.awaitServing();
                if (serving.isEmpty()) {
                    lane.violation("no healthy server to inject into (stuck); lane stopped. Daemon output:\n"
                            + lane.daemonOutput());
                    return;
                }
                FaultKind kind = n < firstRound.size() ? firstRound.get(n)
                        : lane.kinds().get(lane.random().nextInt(lane.kinds().size()));
                // in a stack, the server is drawn from the lane's stream too, and the fault waits on its records
                List<Lane> servers = lane.servers();
                Lane target = servers.get(servers.size() == 1 ? 0 : lane.random().nextInt(servers.size()));
                var targetServing = target == lane ? serving : target.audit().serving();
                if (targetServing.isEmpty()) { // went down again between the wait and the draw: wait once more
                    continue;
                }
                FaultRecord r = Fault.of(kind).inject(target, targetServing.get());
                recorder.record(r, target.bounds());
                n++;
                if (n == firstRound.size()) {
                    firstRounds.incrementAndGet();
                }
                if (!r.detected() || !r.recovered()) {
                    System.out.println("  " + r);
                }
                // a healthy spell of random length before the next fault
                long until = System.currentTimeMillis() + 500 + lane.random().nextInt(3000);
                Await.until(Duration.ofSeconds(5), "the pause between faults", () -> System.currentTimeMillis() >= until);
                if (n % 25 == 0) {
                    System.out.println("  " + lane.name() + ": " + n + " faults, " + lane.probes().cycles() + " probe cycles");
                }
            }
        } catch (Exception | AssertionError e) {
            lane.violation("fault loop failed: " + e + "\n" + lane.daemonOutput());
        }
    }

    private static boolean lanesStopped(List<Thread> threads) {
        return threads.stream().noneMatch(Thread::isAlive);
    }

    /** Any process still running with a lane's directory in its command line or environment marker. */
    private static List<String> leftovers(Path base) {
        List<String> found = new ArrayList<>();
        for (Map.Entry<String, Map<Long, List<ProcInfo>>> dir : ServerTrees.scan().entrySet()) {
            if (dir.getKey().startsWith(base.toString())) {
                found.add("orphan server processes of " + dir.getKey() + " after the daemon stopped: " + dir.getValue());
            }
        }
        long self = ProcessHandle.current().pid();
        for (ProcInfo p : ProcessTable.snapshot()) {
            if (p.pid() != self && !p.isZombie()
                    && ProcessTable.commandLine(p.pid()).filter(c -> c.contains(base.toString())).isPresent()) {
                found.add("process left behind: " + p.pid() + " " + ProcessTable.commandLine(p.pid()).orElse(""));
            }
        }
        return found;
    }

    /** Whatever happened: the cache unblocked, daemons and every process of the run killed. */
    private static void cleanUp(List<Lane> lanes, Path base) {
        for (Lane lane : lanes) {
            try {
                lane.stopTraffic();
                if (lane.cacheBlock() != null) {
                    lane.cacheBlock().clear();
                }
                if (lane.daemonPid() > 0) {
                    lane.killDaemon();
                }
            } catch (Exception e) {
                System.out.println("clean-up of " + lane.name() + ": " + e);
            }
        }
        for (Map.Entry<String, Map<Long, List<ProcInfo>>> dir : ServerTrees.scan().entrySet()) {
            if (dir.getKey().startsWith(base.toString())) {
                dir.getValue().values().forEach(tree -> tree.forEach(p -> Signals.kill(p.pid(), Signals.SIGKILL)));
            }
        }
        long self = ProcessHandle.current().pid();
        for (ProcInfo p : ProcessTable.snapshot()) {
            if (p.pid() != self && ProcessTable.commandLine(p.pid()).filter(c -> c.contains(base.toString())).isPresent()) {
                Signals.kill(p.pid(), Signals.SIGKILL);
            }
        }
    }

    static Path newBase() throws java.io.IOException {
        return Files.createTempDirectory("glyph-chaos");
    }
}
