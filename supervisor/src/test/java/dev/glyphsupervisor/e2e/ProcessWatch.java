package dev.glyphsupervisor.e2e;

import dev.glyphsupervisor.runtime.ProcInfo;
import dev.glyphsupervisor.runtime.ProcessTable;

import java.io.File;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Watches /proc for the supervised program's processes, seen from outside the supervisor, so that every tool
 * is measured the same way. A process belongs to the program when its argv holds the program's marker (an
 * argument no supervisor's own command line has, e.g. the forking server's control file).
 *
 * <p>Cheap enough to poll every millisecond: only pids that are new since the last scan have their command
 * line read. A new pid that does not match yet is read again for {@link #EXEC_WINDOW_NS}, because a
 * supervisor forks first and execs the program a moment later (until then the child has the supervisor's argv).
 */
final class ProcessWatch {

    private static final long EXEC_WINDOW_NS = 300_000_000L;

    private final String marker;
    private final Set<Long> settled = new HashSet<>();     // not the program's (or gone): never read again
    private final Map<Long, Long> young = new HashMap<>(); // new, not matching yet: pid -> first seen (nanoTime)
    private final Set<Long> program = new HashSet<>();     // the program's processes, alive at the last scan

    ProcessWatch(String marker) {
        this.marker = marker;
        for (long pid : pids()) {
            if (matches(pid)) {
                program.add(pid);
            } else {
                settled.add(pid); // existed before the watch: not a fresh fork that may still exec the program
            }
        }
    }

    /** The program's live processes now (zombies and processes that exited are left out). */
    List<ProcInfo> scan() {
        long now = System.nanoTime();
        for (long pid : pids()) {
            if (settled.contains(pid) || program.contains(pid)) {
                continue;
            }
            if (matches(pid)) {
                program.add(pid);
                young.remove(pid);
            } else {
                long first = young.computeIfAbsent(pid, p -> now);
                if (now - first > EXEC_WINDOW_NS) {
                    young.remove(pid);
                    settled.add(pid);
                }
            }
        }
        List<ProcInfo> live = new ArrayList<>();
        for (var it = program.iterator(); it.hasNext(); ) {
            long pid = it.next();
            ProcInfo info = ProcessTable.get(pid).orElse(null);
            if (info == null || info.isZombie()) {
                it.remove();
                settled.add(pid); // a pid is reused only after wrapping around; the marker check would catch it anyway
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
