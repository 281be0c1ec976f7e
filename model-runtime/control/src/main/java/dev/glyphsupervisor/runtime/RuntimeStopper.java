package dev.glyphsupervisor.runtime;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Stops a launched server and everything it started: SIGTERM to the group, a grace period, then SIGKILL to
 * the group and every survivor, confirmed by re-reading the process table until the tree is empty.
 *
 * <p>"The tree" during a stop is every member {@link ProcessTree} finds now and every process the stop has seen
 * in it before that is still alive (same pid and start time). A worker that called setsid() leaves the tree the
 * moment the TERM ends its parent (it is re-parented, to the daemon as a subreaper or to init); if it ignores
 * the TERM it must still get the KILL, and the stop is not done while it lives.
 */
public final class RuntimeStopper {

    public RuntimeStopper() {
    }

    /**
     * SIGTERM to the group (and to any tree member outside it), then SIGCONT so that a stopped group can act
     * on the TERM (as systemd does); waits up to {@code grace} for the tree to be gone; then SIGKILL to the
     * group and every survivor and waits up to {@code killTimeout}. Returns as soon as the tree is empty.
     * An interrupt cuts the waits short (the report then lists what is still alive).
     */
    public StopReport stop(LaunchedProcess process, Duration grace, Duration killTimeout) {
        StopReport report = signal(process, grace, killTimeout);
        // What died of it and was re-parented to us (we are the subreaper) is our zombie now: collect it.
        Subreaper.reap();
        return report;
    }

    private StopReport signal(LaunchedProcess process, Duration grace, Duration killTimeout) {
        long start = System.nanoTime();
        Map<Long, ProcInfo> seen = new LinkedHashMap<>();
        List<ProcInfo> members = tree(process, seen);
        if (members.isEmpty()) {
            return new StopReport("none", since(start), List.of(), List.of(), List.of());
        }
        List<Long> termed = pids(members);
        signalTree(process, members, Signals.SIGTERM);
        signalTree(process, members, Signals.SIGCONT);
        List<ProcInfo> survivors = Poll.until(() -> tree(process, seen), List::isEmpty, grace);
        if (survivors.isEmpty()) {
            return new StopReport("SIGTERM", since(start), termed, List.of(), List.of());
        }

        // Re-sent on every check: a survivor may still fork before the KILL reaches it.
        Set<Long> killed = new LinkedHashSet<>();
        List<ProcInfo> left = Poll.until(() -> {
            List<ProcInfo> now = tree(process, seen);
            signalTree(process, now, Signals.SIGKILL);
            killed.addAll(pids(now));
            return now;
        }, List::isEmpty, killTimeout);
        return new StopReport("SIGKILL", since(start), termed, List.copyOf(killed), pids(left));
    }

    /** The tree's members now, plus every process seen in it earlier that is still alive; remembers the members. */
    private static List<ProcInfo> tree(LaunchedProcess process, Map<Long, ProcInfo> seen) {
        List<ProcInfo> members = ProcessTree.members(process);
        Map<Long, ProcInfo> now = new LinkedHashMap<>();
        members.forEach(p -> now.put(p.pid(), p));
        for (ProcInfo before : seen.values()) {
            if (!now.containsKey(before.pid())) {
                ProcessTable.get(before.pid())
                        .filter(p -> !p.isZombie() && p.startTicks() == before.startTicks())
                        .ifPresent(p -> now.put(p.pid(), p));
            }
        }
        members.forEach(p -> seen.put(p.pid(), p));
        return List.copyOf(now.values());
    }

    /**
     * The group gets one signal; members that left it (their own group or session) get it one by one. The group only
     * while a member is in it: with none left, its id may be a new process's pid, and a group of someone else's.
     */
    private static void signalTree(LaunchedProcess process, List<ProcInfo> members, int signal) {
        if (members.stream().anyMatch(m -> m.pgid() == process.pgid())) {
            deliver(() -> Signals.killGroup(process.pgid(), signal));
        }
        for (ProcInfo member : members) {
            if (member.pgid() != process.pgid()) {
                deliver(() -> Signals.kill(member.pid(), signal));
            }
        }
    }

    /**
     * A refused signal (EPERM: a member that changed its uid) must not abort the stop; the member then
     * shows up in the report as still alive, which is the honest outcome.
     */
    private static void deliver(Runnable send) {
        try {
            send.run();
        } catch (IllegalStateException e) {
            // reported through StopReport.stillAlive
        }
    }

    private static List<Long> pids(List<ProcInfo> processes) {
        return processes.stream().map(ProcInfo::pid).toList();
    }

    private static Duration since(long startNanos) {
        return Duration.ofNanos(System.nanoTime() - startNanos);
    }
}
