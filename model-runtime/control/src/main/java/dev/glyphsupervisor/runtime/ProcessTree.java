package dev.glyphsupervisor.runtime;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * Finds every process that belongs to a launched server, including workers orphaned by its death.
 *
 * <p>The session and the process group are the anchors: the launcher makes the server a session leader,
 * so its pid is the sid and pgid of everything it starts, and orphans keep both after being reparented.
 * Children that left the session ({@code setsid}, daemonizing) are found through their parent while
 * that parent lives, and once it is gone (a double fork, {@code setsid nohup app &} in a script that exits)
 * through the {@link #MARKER} in their environment, or as orphans re-parented to this JVM, the supervisor, a
 * {@link Subreaper}: only a process launched here can leave those.
 */
public final class ProcessTree {

    /**
     * The environment variable the launcher puts into a server's environment (the supervisor's value is its state
     * directory); every process the server starts inherits it unless it clears its environment on purpose.
     */
    public static final String MARKER = "GLYPH_SUPERVISOR_STATE_DIR";

    /**
     * The marker value of each process seen (by pid, with its start time), read once: /proc/PID/environ costs as
     * much again as the stat line, and a stop scans the table every 10 ms. The environment is fixed at exec; a
     * process first seen marked stays ours even if it later execs with a cleaned environment (it descends from the
     * server), and an unmarked one does not become ours. An environment that reads empty is not remembered: a process
     * caught in the middle of an exec reads so, and may well be ours once the exec is done.
     */
    private static final Map<Long, Mark> MARKS = new ConcurrentHashMap<>();

    private record Mark(long startTicks, String value) {
    }

    /** The kernel's thread spawner: it and its children are kernel threads (in the initial pid namespace). */
    private static final long KTHREADD = 2;

    private ProcessTree() {
    }

    /** Every live (non-zombie) process of the server's tree, from a scan of {@code /proc} now. Works after the root has died. */
    public static List<ProcInfo> members(LaunchedProcess root) {
        return members(root, Table.scan());
    }

    /**
     * Every live (non-zombie) process of the server's tree in {@code table}. A table may be shared by several trees
     * (one scan for every server of a daemon): only memory readings do that, through {@link ProcessTableCache}; a stop,
     * a kill or a release scans afresh through {@link #members(LaunchedProcess)}. Package-private on purpose: outside
     * this package a tree comes from a fresh scan, or from the cache that says it is for memory readings.
     */
    static List<ProcInfo> members(LaunchedProcess root, Table table) {
        Predicate<ProcInfo> marked = root.marker() == null ? p -> false : markedBy(root.marker(), table.self);
        return members(root, table.index, marked.or(orphanOfOursSince(root, table.self, table.launchedHere)));
    }

    /**
     * One scan of the process table, with what the tree search needs to know at that instant: which of the JVM's
     * children the launcher started. Immutable; safe to share between threads.
     */
    static final class Table {
        private final List<ProcInfo> processes;
        private final Set<Long> launchedHere;
        private final long self;
        /** {@link RuntimeLauncher#launches()} before the scan: a launch completed since may be missing from it. */
        private final long launches;

        /** The processes by pid and by parent, made once: every tree searched in this table uses them. */
        private final Index index;

        Table(List<ProcInfo> processes, Set<Long> launchedHere, long self, long launches) {
            this.processes = List.copyOf(processes);
            this.launchedHere = Set.copyOf(launchedHere);
            this.self = self;
            this.launches = launches;
            this.index = new Index(this.processes);
        }

        /** Scans {@code /proc} now. */
        static Table scan() {
            long self = ProcessHandle.current().pid();
            long launches = RuntimeLauncher.launches(); // before the scan: a launch done meanwhile counts as after it
            // Under the launcher's lock: a child the launcher is starting (another server's launch, in a daemon of
            // several) is in the table with us as its parent before its pid is in RuntimeLauncher's set, and would
            // pass for an orphan of this tree (a stop would then SIGKILL another server's new generation).
            synchronized (RuntimeLauncher.SPAWN) {
                List<ProcInfo> table = ProcessTable.snapshot();
                Set<Long> launchedHere = table.stream().filter(p -> p.ppid() == self).map(ProcInfo::pid)
                        .filter(RuntimeLauncher::startedHere).collect(Collectors.toSet());
                forgetMarksNotIn(table);
                return new Table(table, launchedHere, self, launches);
            }
        }

        /** Whether a launch has completed since this scan (its tree may be missing here, or not yet a session). */
        boolean predatesLaunches() {
            return launches != RuntimeLauncher.launches();
        }
    }

    static List<ProcInfo> members(LaunchedProcess root, List<ProcInfo> table) {
        return members(root, table, p -> false);
    }

    /**
     * @param ours processes that left the root's session and group and lost their parent but are the server's all the
     *             same (marked, or re-parented to us); they and their descendants are members
     */
    static List<ProcInfo> members(LaunchedProcess root, List<ProcInfo> table, Predicate<ProcInfo> ours) {
        return members(root, new Index(table), ours);
    }

    /** A table's processes by pid and by parent, in the table's order. */
    private static final class Index {
        final List<ProcInfo> table;
        final Map<Long, ProcInfo> byPid = new HashMap<>();
        final Map<Long, List<ProcInfo>> children = new HashMap<>();

        Index(List<ProcInfo> table) {
            this.table = table;
            for (ProcInfo p : table) {
                byPid.put(p.pid(), p);
                children.computeIfAbsent(p.ppid(), k -> new ArrayList<>()).add(p);
            }
        }
    }

    private static List<ProcInfo> members(LaunchedProcess root, Index index, Predicate<ProcInfo> ours) {
        List<ProcInfo> table = index.table;
        Map<Long, ProcInfo> byPid = index.byPid;
        Map<Long, List<ProcInfo>> children = index.children;
        // The kernel does not hand out a pid while a session or group of that id still has a member, so a new
        // process under the root's pid means that nothing is left in the root's session or group; what shares the
        // pid's session now is someone else's. Marked processes that left them may still be alive.
        boolean anchored = !pidReused(root, Optional.ofNullable(byPid.get(root.pid())));
        Map<Long, ProcInfo> found = new LinkedHashMap<>();
        Deque<ProcInfo> queue = new ArrayDeque<>();
        for (ProcInfo p : table) {
            if (anchored && (p.sid() == root.pid() || p.pgid() == root.pgid())) {
                queue.add(p);
            }
        }
        expand(queue, found, children);
        for (ProcInfo p : table) {
            if (!found.containsKey(p.pid()) && !p.isZombie() && ours.test(p)) {
                queue.add(p);
                expand(queue, found, children);
            }
        }
        // Zombies are expanded above (their children are still ours) but hold nothing, so are not members.
        return found.values().stream().filter(p -> !p.isZombie()).toList();
    }

    private static void expand(Deque<ProcInfo> queue, Map<Long, ProcInfo> found, Map<Long, List<ProcInfo>> children) {
        while (!queue.isEmpty()) {
            ProcInfo p = queue.poll();
            if (found.putIfAbsent(p.pid(), p) == null) {
                queue.addAll(children.getOrDefault(p.pid(), List.of()));
            }
        }
    }

    /** Whether the marker of the process {@code pid} (started at {@code startTicks}) is remembered; for tests. */
    static boolean markRemembered(long pid, long startTicks) {
        Mark mark = MARKS.get(pid);
        return mark != null && mark.startTicks() == startTicks;
    }

    /** Whether a process other than {@code self} (this JVM) carries {@code value} as its marker. */
    private static Predicate<ProcInfo> markedBy(String value, long self) {
        return p -> p.pid() != self && carries(p, value);
    }

    /** Forgets the marks of the processes no longer in {@code table} (a scan of the whole of /proc). */
    private static void forgetMarksNotIn(List<ProcInfo> table) {
        Set<Long> live = new HashSet<>();
        table.forEach(p -> live.add(p.pid()));
        MARKS.keySet().retainAll(live);
    }

    /** Whether {@code p} carries {@code value} as its marker (read once per process, see {@link #MARKS}). */
    static boolean carries(ProcInfo p, String value) {
        if (p.pid() == KTHREADD || p.ppid() == KTHREADD) {
            return false; // a kernel thread: no environment to read
        }
        Mark mark = MARKS.get(p.pid());
        if (mark == null || mark.startTicks() != p.startTicks()) {
            byte[] environ = ProcessTable.environBytes(p.pid());
            if (environ != null && environ.length == 0) {
                return false; // tells nothing: read again next time
            }
            // One that cannot be read is remembered as unmarked too: it is not ours to read (another user's, when
            // the daemon is not root), and would otherwise be tried again by every server on every probe cycle.
            mark = new Mark(p.startTicks(), environ == null ? "" : ProcessTable.valueOf(environ, MARKER).orElse(""));
            MARKS.put(p.pid(), mark);
        }
        return mark.value().equals(value);
    }

    /**
     * A process re-parented to this JVM after {@code root} started, which the launcher did not start: an orphan of a
     * tree launched here (with the JVM as a subreaper), found even while its environment cannot be read. Started after
     * the root, so not a leftover of an earlier tree.
     */
    private static Predicate<ProcInfo> orphanOfOursSince(LaunchedProcess root, long self, Set<Long> launchedHere) {
        return p -> p.ppid() == self && p.startTicks() >= root.startTicks() && !launchedHere.contains(p.pid());
    }

    private static boolean pidReused(LaunchedProcess root, Optional<ProcInfo> current) {
        return root.startTicks() >= 0 && current.isPresent() && current.get().startTicks() != root.startTicks();
    }
}
