package dev.glyphsupervisor.runtime;

import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Stops a launched server and everything it started: SIGTERM to the group, a grace period, then SIGKILL to
 * the group and every survivor, confirmed by re-reading the process table until the tree is empty.
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
        long start = System.nanoTime();
        List<ProcInfo> members = ProcessTree.members(process);
        if (members.isEmpty()) {
            return new StopReport("none", since(start), List.of(), List.of(), List.of());
        }
        List<Long> termed = pids(members);
        signalTree(process, members, Signals.SIGTERM);
        signalTree(process, members, Signals.SIGCONT);
        List<ProcInfo> survivors = Poll.until(() -> ProcessTree.members(process), List::isEmpty, grace);
        if (survivors.isEmpty()) {
            return new StopReport("SIGTERM", since(start), termed, List.of(), List.of());
        }

        // Re-sent on every check: a survivor may still fork before the KILL reaches it.
        Set<Long> killed = new LinkedHashSet<>();
        List<ProcInfo> left = Poll.until(() -> {
            List<ProcInfo> now = ProcessTree.members(process);
            signalTree(process, now, Signals.SIGKILL);
            killed.addAll(pids(now));
            return now;
        }, List::isEmpty, killTimeout);
        return new StopReport("SIGKILL", since(start), termed, List.copyOf(killed), pids(left));
    }

    /** The group gets one signal; members that left it (their own group or session) get it one by one. */
    private static void signalTree(LaunchedProcess process, List<ProcInfo> members, int signal) {
        deliver(() -> Signals.killGroup(process.pgid(), signal));
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
