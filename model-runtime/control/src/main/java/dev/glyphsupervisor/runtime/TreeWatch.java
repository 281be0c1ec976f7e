package dev.glyphsupervisor.runtime;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Follows a launched server past the exit of its main process, as systemd does for {@code Type=forking}: a launch
 * script that starts the server in the background and exits 0 ({@code nohup python app.py &}, a wrapper that
 * daemonizes) has not ended the server; the processes it left are the server now.
 *
 * <p>The rule, for the launched command and then for each process chosen as the main one after it: when the main
 * process exits with status 0 and processes of its tree are alive, the server forked, and one of them becomes the
 * main process ({@link Listener#forked}): the top of the tree that holds the port, else the top process that
 * started first. An exit by a signal or with another status is the server's death, as is an exit that leaves nothing
 * alive, or one whose status we cannot know ({@link Listener#exited}). The main process after a fork is a top
 * process of the tree, so an orphan: with the supervisor as its {@link Subreaper} it is our child, and its status
 * comes to us.
 *
 * <p>Between deaths the watch sleeps in poll(2) on pidfds of the main process and of every process at the top of
 * the tree: nothing runs while the server lives, and a death is seen when it happens. The top processes are enough:
 * the tree cannot empty without the last of them dying, and each death rescans and watches the new tops (children
 * re-parented to us). Where the kernel offers no pidfd, the tree is re-read every {@link #POLL_MILLIS}.
 */
public final class TreeWatch {

    /** What the watch tells; called on the watch's own thread. */
    public interface Listener {
        /**
         * The main process exited 0 and left {@code survivors} running; {@code main} is the server's main process
         * now; {@code holdsPort}: it, or a process under it, listens on the server's port.
         */
        void forked(long exitedPid, ProcInfo main, List<ProcInfo> survivors, boolean holdsPort);

        /** The server is gone: {@code exitCode} of its main process (128+N for signal N, -1 when unknown). */
        void exited(int exitCode);
    }

    static final int POLL_MILLIS = 100;
    private static final AtomicInteger THREADS = new AtomicInteger();

    private TreeWatch() {
    }

    /**
     * Judges the launched command's exit ({@code exitCode}, as Java reported it) against what is left of its tree,
     * and if the server forked, follows the tree until its end; on a thread of its own, so that the caller (an exit
     * callback, or the event loop) is not held by the /proc scan or the port lookup.
     */
    public static void launchedCommandExited(LaunchedProcess root, int exitCode, OptionalInt port, Listener listener) {
        Thread watch = new Thread(() -> {
            List<ProcInfo> survivors = ProcessTree.members(root);
            if (exitCode != 0 || survivors.isEmpty()) {
                listener.exited(exitCode);
                return;
            }
            Choice choice = choose(survivors, port);
            listener.forked(root.pid(), choice.main(), survivors, choice.holdsPort());
            follow(root, choice.main(), port, listener);
        }, "glyph-tree-watch-" + THREADS.incrementAndGet());
        watch.setDaemon(true);
        watch.start();
    }

    private static void follow(LaunchedProcess root, ProcInfo main, OptionalInt port, Listener listener) {
        while (true) {
            Subreaper.reap();
            List<ProcInfo> members = ProcessTree.members(root);
            ProcInfo current = main;
            if (members.stream().noneMatch(p -> p.pid() == current.pid() && p.startTicks() == current.startTicks())) {
                Subreaper.reap(); // it may have died after the first reap
                OptionalInt status = Subreaper.exitStatus(main.pid(), main.startTicks());
                if (members.isEmpty() || status.isEmpty() || status.getAsInt() != 0) {
                    listener.exited(status.orElse(-1));
                    return;
                }
                Choice choice = choose(members, port);
                listener.forked(main.pid(), choice.main(), members, choice.holdsPort());
                main = choice.main();
                continue;
            }
            awaitADeath(watched(members, main));
        }
    }

    /** The main process and every process of the tree whose parent is not in it. */
    private static List<ProcInfo> watched(List<ProcInfo> members, ProcInfo main) {
        List<ProcInfo> tops = new ArrayList<>(tops(members));
        if (tops.stream().noneMatch(p -> p.pid() == main.pid())) {
            tops.add(main);
        }
        return tops;
    }

    /** Sleeps until one of {@code processes} exits (or is found gone already). */
    private static void awaitADeath(List<ProcInfo> processes) {
        List<PidFd> fds = new ArrayList<>();
        try {
            for (ProcInfo p : processes) {
                Optional<PidFd> fd = PidFd.open(p.pid());
                boolean same = ProcessTable.get(p.pid())
                        .filter(now -> !now.isZombie() && now.startTicks() == p.startTicks()).isPresent();
                if (fd.isEmpty() || !same) {
                    fd.ifPresent(PidFd::close);
                    if (!same) {
                        return; // gone already: look again
                    }
                    sleep(); // alive, but no pidfd here
                    return;
                }
                fds.add(fd.get());
            }
            PidFd.awaitAnyExit(fds, -1);
        } finally {
            fds.forEach(PidFd::close);
        }
    }

    private static void sleep() {
        try {
            Thread.sleep(POLL_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The main process chosen among the survivors, and whether it serves the port. */
    record Choice(ProcInfo main, boolean holdsPort) {
    }

    static Choice choose(List<ProcInfo> survivors, OptionalInt port) {
        long holder = port.isPresent()
                ? PortCheck.holder(port.getAsInt()).map(PortHolder::pid).orElse(-1L) : -1L;
        return choose(survivors, holder);
    }

    /** The top of the tree above the port's holder if it is a survivor, else the top process that started first. */
    static Choice choose(List<ProcInfo> survivors, long portHolder) {
        Map<Long, ProcInfo> byPid = new HashMap<>();
        survivors.forEach(p -> byPid.put(p.pid(), p));
        ProcInfo holder = byPid.get(portHolder);
        if (holder != null) {
            ProcInfo top = holder;
            // Bounded: a table read file by file could, in theory, show a pid reused into a loop.
            for (int i = 0; i < survivors.size() && byPid.containsKey(top.ppid()); i++) {
                top = byPid.get(top.ppid());
            }
            return new Choice(top, true);
        }
        ProcInfo first = tops(survivors).stream()
                .min(Comparator.comparingLong(ProcInfo::startTicks).thenComparingLong(ProcInfo::pid))
                .orElseThrow();
        return new Choice(first, false);
    }

    private static List<ProcInfo> tops(List<ProcInfo> members) {
        Map<Long, ProcInfo> byPid = new HashMap<>();
        members.forEach(p -> byPid.put(p.pid(), p));
        return members.stream().filter(p -> !byPid.containsKey(p.ppid())).toList();
    }
}
