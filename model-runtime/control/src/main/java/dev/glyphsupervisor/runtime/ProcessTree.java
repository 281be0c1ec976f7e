package dev.glyphsupervisor.runtime;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Finds every process that belongs to a launched server, including workers orphaned by its death.
 *
 * <p>The session and the process group are the anchors: the launcher makes the server a session leader,
 * so its pid is the sid and pgid of everything it starts, and orphans keep both after being reparented.
 * Children that left the session ({@code setsid}, daemonizing) are still found through their parent while
 * that parent lives.
 */
public final class ProcessTree {

    private ProcessTree() {
    }

    /** Every live (non-zombie) process of the server's tree. Works after the root has died. */
    public static List<ProcInfo> members(LaunchedProcess root) {
        return members(root, ProcessTable.snapshot());
    }

    static List<ProcInfo> members(LaunchedProcess root, List<ProcInfo> table) {
        Map<Long, ProcInfo> byPid = new HashMap<>();
        Map<Long, List<ProcInfo>> children = new HashMap<>();
        for (ProcInfo p : table) {
            byPid.put(p.pid(), p);
            children.computeIfAbsent(p.ppid(), k -> new ArrayList<>()).add(p);
        }
        if (pidReused(root, Optional.ofNullable(byPid.get(root.pid())))) {
            // The kernel does not hand out a pid while a session or group of that id still has a member,
            // so a new process under the root's pid means the old tree is entirely gone; what shares the
            // pid's session now is someone else's.
            return List.of();
        }
        Map<Long, ProcInfo> found = new LinkedHashMap<>();
        Deque<ProcInfo> queue = new ArrayDeque<>();
        for (ProcInfo p : table) {
            if (p.sid() == root.pid() || p.pgid() == root.pgid()) {
                queue.add(p);
            }
        }
        while (!queue.isEmpty()) {
            ProcInfo p = queue.poll();
            if (found.putIfAbsent(p.pid(), p) == null) {
                queue.addAll(children.getOrDefault(p.pid(), List.of()));
            }
        }
        // Zombies are expanded above (their children are still ours) but hold nothing, so are not members.
        return found.values().stream().filter(p -> !p.isZombie()).toList();
    }

    private static boolean pidReused(LaunchedProcess root, Optional<ProcInfo> current) {
        return root.startTicks() >= 0 && current.isPresent() && current.get().startTicks() != root.startTicks();
    }
}
