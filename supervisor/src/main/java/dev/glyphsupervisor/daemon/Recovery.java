package dev.glyphsupervisor.daemon;

import dev.glyphsupervisor.audit.AuditSink;
import dev.glyphsupervisor.core.AuditEvent;
import dev.glyphsupervisor.probes.ProbeResult;
import dev.glyphsupervisor.probes.ProbeStatus;
import dev.glyphsupervisor.runtime.LaunchedProcess;
import dev.glyphsupervisor.runtime.ProcInfo;
import dev.glyphsupervisor.runtime.ProcessTable;
import dev.glyphsupervisor.runtime.ProcessTree;
import dev.glyphsupervisor.runtime.RuntimeStopper;
import dev.glyphsupervisor.runtime.Signals;
import dev.glyphsupervisor.runtime.StopReport;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * What a daemon does at start about servers a previous daemon left behind (it was SIGKILLed, and systemd
 * started this one): every process carrying this state directory's marker belongs to a server tree we
 * launched. The recorded one, alive (same start time) and healthy, is adopted; every other tree is
 * stopped. Never two servers, never an orphan.
 */
final class Recovery {

    /**
     * The outcome: the server to adopt (with its generation), the last generation seen, and whether a server of a
     * previous daemon ended here without a clean stop (it was gone, or this daemon stopped it): then the caches are
     * cleared before the first launch, as before any relaunch.
     */
    record Outcome(Optional<ServerRecord> adopted, long lastGeneration, boolean previousEndedUnclean) {
    }

    /** What a new daemon found of the recorded generation, in the {@code previous_generation} record. */
    enum Found {
        /** alive and healthy: supervised from here on */
        ADOPTED,
        /** alive, but not healthy or not passing as the recorded process: stopped */
        STOPPED,
        /** no process of it left (systemd's KillMode=mixed kills the tree with the daemon) */
        GONE
    }

    private final Path stateDir;
    private final AuditSink audit;
    private final RuntimeStopper stopper = new RuntimeStopper();
    private final Duration grace;
    private final Duration killTimeout;

    Recovery(Path stateDir, AuditSink audit, Duration grace, Duration killTimeout) {
        this.stateDir = stateDir;
        this.audit = audit;
        this.grace = grace;
        this.killTimeout = killTimeout;
    }

    /**
     * @param healthy runs the probes against the recorded server once it is installed as the current one
     * @param install makes the recorded server the runtime's current process (for the probes and later stops)
     */
    Outcome recover(java.util.function.Consumer<ServerRecord> install, Supplier<List<ProbeResult>> healthy) throws IOException {
        Optional<ServerRecord> record = ServerRecord.read(stateDir);
        long lastGeneration = record.map(ServerRecord::generation).orElse(0L);
        Map<Long, List<ProcInfo>> trees = markedTrees();
        Optional<ServerRecord> adopted = Optional.empty();
        Found found = Found.GONE;
        if (record.isPresent() && trees.containsKey(record.get().pid())) {
            ServerRecord r = record.get();
            Optional<ProcInfo> root = ProcessTable.get(r.pid());
            found = Found.STOPPED; // by the loop below, unless it passes as the recorded process and is healthy
            if (root.isPresent() && !root.get().isZombie() && root.get().startTicks() == r.startTicks()) {
                install.accept(r);
                List<ProbeResult> results = healthy.get();
                if (results.stream().allMatch(p -> p.status() == ProbeStatus.SUCCESS)) {
                    adopted = Optional.of(r);
                    found = Found.ADOPTED;
                    trees.remove(r.pid());
                    // Its workers that left its session (setsid()) form marked "trees" of their own: they are the
                    // adopted server's, not another server to stop.
                    Set<Long> ours = ProcessTree.members(r.process(null)).stream().map(ProcInfo::pid)
                            .collect(Collectors.toSet());
                    trees.values().forEach(tree -> tree.removeIf(p -> ours.contains(p.pid())));
                    trees.values().removeIf(List::isEmpty);
                } else {
                    stop(r.process(null), r.generation(), "unhealthy at adoption: " + summary(results));
                    trees.remove(r.pid());
                }
            }
        }
        boolean orphans = !trees.isEmpty();
        if (found == Found.GONE && orphans) {
            found = Found.STOPPED; // its launched command is gone, but what it forked (another session) is stopped below
        }
        for (Map.Entry<Long, List<ProcInfo>> tree : trees.entrySet()) {
            long sid = tree.getKey();
            long generation = record.isPresent() && record.get().pid() == sid ? record.get().generation() : -1;
            Optional<ProcInfo> leader = tree.getValue().stream().filter(p -> p.pid() == sid).findFirst();
            if (leader.isPresent()) {
                // A live, marked session leader: stop its whole tree the usual way.
                // Unmarked: the marker would reach every tree of this state directory, the adopted one included.
                stop(new LaunchedProcess(sid, sid, leader.get().startTicks(), List.of(), java.time.Instant.now(), null),
                        generation, generation >= 0 ? "the recorded server did not pass its probes"
                                : "a server of this state directory that no record names (its daemon died launching it)");
            } else {
                // The leader is gone: signal the marked survivors one by one (its pid may belong to someone else now).
                stopSurvivors(tree.getValue(), generation);
            }
        }
        if (record.isPresent()) {
            // The previous daemon's last generation never got a record of how it ended: this is it.
            ServerRecord r = record.get();
            Map<String, Object> fields = new LinkedHashMap<>();
            fields.put("found", found.name().toLowerCase(java.util.Locale.ROOT));
            fields.put("pid", r.pid());
            fields.put("launched_at", r.launchedAt().toString());
            audit.record(AuditEvent.PREVIOUS_GENERATION, r.generation(), fields);
        }
        if (adopted.isEmpty()) {
            ServerRecord.delete(stateDir);
        }
        return new Outcome(adopted, lastGeneration, adopted.isEmpty() && (record.isPresent() || orphans));
    }

    private void stop(LaunchedProcess p, long generation, String why) {
        StopReport report = stopper.stop(p, grace, killTimeout);
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("pid", p.pid());
        fields.put("why", why);
        fields.put("signal", report.signal());
        fields.put("termed", report.termed());
        fields.put("survivors_killed", report.survivorsKilled());
        fields.put("still_alive", report.stillAlive());
        audit.record(AuditEvent.ORPHAN_STOPPED, Math.max(0, generation), fields);
    }

    private void stopSurvivors(List<ProcInfo> survivors, long generation) {
        List<Long> termed = new ArrayList<>();
        for (ProcInfo p : survivors) {
            Signals.kill(p.pid(), Signals.SIGTERM);
            Signals.kill(p.pid(), Signals.SIGCONT);
            termed.add(p.pid());
        }
        List<ProcInfo> left = waitGone(survivors, grace);
        List<Long> killed = new ArrayList<>();
        for (ProcInfo p : left) {
            Signals.kill(p.pid(), Signals.SIGKILL);
            killed.add(p.pid());
        }
        left = waitGone(left, killTimeout);
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("pid", survivors.get(0).sid());
        fields.put("why", "the server's main process is gone; its workers are not");
        fields.put("signal", killed.isEmpty() ? "SIGTERM" : "SIGKILL");
        fields.put("termed", termed);
        fields.put("survivors_killed", killed);
        fields.put("still_alive", left.stream().map(ProcInfo::pid).toList());
        audit.record(AuditEvent.ORPHAN_STOPPED, Math.max(0, generation), fields);
    }

    /** The processes of {@code procs} still alive (same pid and start time) after waiting up to {@code timeout}. */
    private static List<ProcInfo> waitGone(List<ProcInfo> procs, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            List<ProcInfo> alive = procs.stream().filter(p -> ProcessTable.get(p.pid())
                    .filter(now -> !now.isZombie() && now.startTicks() == p.startTicks()).isPresent()).toList();
            if (alive.isEmpty() || System.nanoTime() > deadline) {
                return alive;
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return alive;
            }
        }
    }

    /** Every live process whose environment carries this state directory's marker, grouped by session. */
    private Map<Long, List<ProcInfo>> markedTrees() {
        String marker = stateDir.toString();
        long self = ProcessHandle.current().pid();
        Map<Long, List<ProcInfo>> trees = new TreeMap<>();
        for (ProcInfo p : ProcessTable.snapshot()) {
            if (p.pid() != self && !p.isZombie()
                    && ProcessTable.environment(p.pid(), ProcessTree.MARKER).filter(marker::equals).isPresent()) {
                trees.computeIfAbsent(p.sid(), k -> new ArrayList<>()).add(p);
            }
        }
        return trees;
    }

    private static String summary(List<ProbeResult> results) {
        StringBuilder sb = new StringBuilder();
        for (ProbeResult r : results) {
            if (r.status() != ProbeStatus.SUCCESS) {
                sb.append(sb.length() == 0 ? "" : "; ").append(r.probe()).append(": ").append(r.detail());
            }
        }
        return sb.toString();
    }
}
