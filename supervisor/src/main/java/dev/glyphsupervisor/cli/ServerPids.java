package dev.glyphsupervisor.cli;

import dev.glyphsupervisor.daemon.RecordedServer;
import dev.glyphsupervisor.runtime.ProcInfo;
import dev.glyphsupervisor.runtime.ProcessTable;
import dev.glyphsupervisor.runtime.ProcessTree;

import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The server's pids for {@code glyphctl probe}: the whole tree of the process that listens on the port, as the daemon
 * counts a server's memory, not the listener alone (a launch script's workers hold the GPU memory, not the script, and
 * vLLM's API process listens while its EngineCore holds the weights).
 *
 * <p>A listener started by this config's daemon carries its state directory's marker: its tree is the one the daemon
 * recorded, found the daemon's way. Any other listener: climb from it through its parents while they share its
 * process group and session (a uvicorn worker to its master), then take that root's descendants, and its group and
 * session where it leads them (a server started with setsid, or as a shell's job). Never this process, nor its
 * ancestors: the shell or script that runs {@code glyphctl probe} beside the server is not the server.
 */
final class ServerPids {

    /** The pids and how they were found, for the line that announces them. */
    record Found(Set<Long> pids, String how) {
    }

    private ServerPids() {
    }

    static Found of(long listener, Path stateDir) {
        Set<Long> excluded = selfAndAncestors();
        if (ProcessTable.environment(listener, ProcessTree.MARKER).map(stateDir.toString()::equals).orElse(false)) {
            Optional<List<ProcInfo>> recorded = RecordedServer.tree(stateDir);
            if (recorded.isPresent()) {
                Set<Long> pids = new TreeSet<>();
                recorded.get().forEach(p -> pids.add(p.pid()));
                pids.add(listener);
                pids.removeAll(excluded);
                return new Found(pids, "the tree the daemon of " + stateDir + " launched");
            }
        }
        return new Found(listenerTree(listener, ProcessTable.snapshot(), excluded), "its process tree");
    }

    static Set<Long> listenerTree(long listener, List<ProcInfo> table, Set<Long> excluded) {
        Map<Long, ProcInfo> byPid = new HashMap<>();
        Map<Long, List<ProcInfo>> children = new HashMap<>();
        for (ProcInfo p : table) {
            byPid.put(p.pid(), p);
            children.computeIfAbsent(p.ppid(), k -> new ArrayList<>()).add(p);
        }
        ProcInfo start = byPid.get(listener);
        if (start == null) {
            return new TreeSet<>(Set.of(listener));
        }
        ProcInfo root = start;
        while (true) {
            ProcInfo parent = byPid.get(root.ppid());
            if (parent == null || parent.pid() <= 1 || excluded.contains(parent.pid())
                    || parent.pgid() != start.pgid() || parent.sid() != start.sid()) {
                break;
            }
            root = parent;
        }
        Deque<ProcInfo> queue = new ArrayDeque<>();
        queue.add(root);
        boolean leadsGroup = root.pgid() == root.pid();
        boolean leadsSession = root.sid() == root.pid();
        for (ProcInfo p : table) {
            if ((leadsGroup && p.pgid() == root.pid()) || (leadsSession && p.sid() == root.pid())) {
                queue.add(p);
            }
        }
        Set<Long> found = new HashSet<>();
        Set<Long> pids = new TreeSet<>();
        while (!queue.isEmpty()) {
            ProcInfo p = queue.poll();
            if (found.add(p.pid())) {
                if (!p.isZombie() && !excluded.contains(p.pid())) {
                    pids.add(p.pid());
                }
                queue.addAll(children.getOrDefault(p.pid(), List.of()));
            }
        }
        pids.add(listener);
        return pids;
    }

    private static Set<Long> selfAndAncestors() {
        Set<Long> pids = new HashSet<>();
        Optional<ProcessHandle> p = Optional.of(ProcessHandle.current());
        while (p.isPresent()) {
            pids.add(p.get().pid());
            p = p.get().parent();
        }
        return pids;
    }
}
