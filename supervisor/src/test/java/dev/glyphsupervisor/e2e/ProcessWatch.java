package dev.glyphsupervisor.e2e;

import dev.glyphsupervisor.runtime.ProcInfo;
import dev.glyphsupervisor.runtime.ProcessTable;

import java.io.File;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Watches /proc for the supervised program's processes, seen from outside the supervisor, so that every tool
 * is measured the same way. A process belongs to the program when its argv holds the program's marker (an
 * argument no supervisor's own command line has, e.g. the forking server's control file).
 *
 * <p>Cheap enough to poll every millisecond: a pid has its command line read once, when it first shows up, and
 * is then remembered as the program's or not. The exception is a child of the supervisor's daemon that does not
 * match yet: a supervisor forks first and execs the program a moment later (until then the child has the
 * supervisor's argv), so such a child is read again on every scan until it matches or ends. A pid that leaves
 * /proc is forgotten, so that a reused pid (pids wrap around on a busy machine) is read afresh.
 */
final class ProcessWatch {

    private final String marker;
    private final long daemonPid;
    private final Set<Long> settled = new HashSet<>(); // not the program's: not read again while the pid lives
    private final Set<Long> program = new HashSet<>(); // the program's processes, alive at the last scan

    /** @param daemonPid the supervisor's daemon, whose children may exec the program after a scan saw them; -1: none */
    ProcessWatch(String marker, long daemonPid) {
        this.marker = marker;
        this.daemonPid = daemonPid;
        scan();
    }

    /** The program's live processes now (zombies and processes that exited are left out). */
    List<ProcInfo> scan() {
        List<Long> present = pids();
        settled.retainAll(new HashSet<>(present));
        for (long pid : present) {
            if (settled.contains(pid) || program.contains(pid)) {
                continue;
            }
            if (matches(pid)) {
                program.add(pid);
            } else if (!childOfDaemon(pid)) {
                settled.add(pid);
            }
        }
        List<ProcInfo> live = new ArrayList<>();
        for (var it = program.iterator(); it.hasNext(); ) {
            long pid = it.next();
            ProcInfo info = ProcessTable.get(pid).orElse(null);
            if (info == null || info.isZombie()) {
                it.remove();
            } else {
                live.add(info);
            }
        }
        return live;
    }

    /** Pids of the live processes now. */
    Set<Long> livePids() {
        Set<Long> pids = new HashSet<>();
        for (ProcInfo p : scan()) {
            pids.add(p.pid());
        }
        return pids;
    }

    private boolean childOfDaemon(long pid) {
        return daemonPid > 0 && ProcessTable.get(pid).map(p -> p.ppid() == daemonPid && !p.isZombie()).orElse(false);
    }

    private boolean matches(long pid) {
        return ProcessTable.commandLine(pid).map(cmd -> cmd.contains(marker)).orElse(false);
    }

    private static List<Long> pids() {
        String[] names = new File("/proc").list();
        List<Long> pids = new ArrayList<>(names == null ? 0 : names.length);
        if (names != null) {
            for (String name : names) {
                if (!name.isEmpty() && Character.isDigit(name.charAt(0))) {
                    try {
                        pids.add(Long.parseLong(name));
                    } catch (NumberFormatException notAPid) {
                        // not a process directory
                    }
                }
            }
        }
        return pids;
    }
}
