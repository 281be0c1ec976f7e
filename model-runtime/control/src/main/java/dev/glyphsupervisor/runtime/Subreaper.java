package dev.glyphsupervisor.runtime;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The supervisor as the reaper of every orphan that reaches it: a child subreaper
 * ({@code prctl(PR_SET_CHILD_SUBREAPER, 1)}, what container inits and systemd do), and PID 1 when it is a container's
 * entrypoint. A process of the server's tree whose parent dies is re-parented to the supervisor instead of init (a
 * server a launch script started in the background, a worker that called setsid()); as PID 1, every orphan of the
 * PID namespace comes to it (a helper of a {@code docker exec}, too). It stays a descendant, so it cannot slip out of
 * sight, and its exit status comes to us.
 *
 * <p>Being their parent means reaping them, or they stay zombies and, over days, fill the pid table. {@link #start}
 * runs one thread, {@code glyph-reaper}, that sleeps in {@code waitid(P_ALL, WEXITED | WNOWAIT)}: the kernel wakes it
 * when any child of ours has exited, without collecting it, so a zombie is reaped within milliseconds of its death
 * and nothing runs while no child dies. That is SIGCHLD without a signal handler: a JVM offers none for SIGCHLD
 * (a signalfd would need the signal blocked in every thread, the JVM's own included), and a periodic scan of /proc
 * would cost a scan per period whether or not anything died. With no child at all, waitid(2) fails at once (ECHILD)
 * and the thread waits for the next launch (the launcher wakes it): a subreaper gets orphans only from its own
 * descendants, so none can come before. PID 1 gets them from anywhere in its namespace, and looks again every
 * {@link #NO_CHILD_MILLIS} as well; a subreaper every {@link #NO_CHILD_SUBREAPER_MILLIS}, for a child the JVM started
 * outside the launcher.
 *
 * <p>Never {@code waitpid(-1)}: Java's own reaper thread waits by pid for each child the JVM started, and would be told
 * exit 0 if we took its status (the server's exit status in the audit would be wrong). A zombie is collected by its
 * pid, and only when it is an orphan, which is known without a race:
 * <ul>
 *   <li>not in {@link RuntimeLauncher#STARTED}: every launch is added there under {@link RuntimeLauncher#SPAWN}, before
 *       that lock is released, and {@link #reap} holds the same lock, so a child being started is never mistaken for
 *       an orphan; it leaves the set only once Java has collected it (a pid that is a zombie of ours cannot be reused
 *       meanwhile);</li>
 *   <li>not in the daemon's own session, unless it has stayed a zombie for {@link #UNCLAIMED_NANOS}: anything else
 *       this JVM starts (a library's helper command) keeps the JVM's session, and Java waits for it too, collecting
 *       it the moment it dies; an orphan of a server tree is in the server's session (the launcher makes one with
 *       setsid), and an orphan from outside the tree is in a session the JVM did not make. A zombie of our session
 *       that Java has left for seconds is the orphan of such a helper: nobody else will collect it. So a child of
 *       the daemon that leaves the session itself (runs setsid) must be started through the launcher.</li>
 * </ul>
 * waitid(2) reports the zombie at the front of the children list; when that one may be Java's, every zombie child is
 * found by a scan of /proc and judged by the rules above, and the thread waits a little (1 ms, doubling up to
 * {@link #JAVAS_MAX_MILLIS}) before it blocks again, since waitid reports that zombie at once until Java collects it.
 * Needs /proc to be that of the daemon's PID namespace: container runtimes mount it so ({@code unshare --mount-proc}).
 */
public final class Subreaper {

    private static final int PR_SET_CHILD_SUBREAPER = 36;
    private static final int P_ALL = 0;
    private static final int WNOHANG = 1;
    private static final int WEXITED = 4;
    private static final int WNOWAIT = 0x01000000;
    private static final int ECHILD = 10;
    private static final int EINTR = 4;
    /** sizeof(siginfo_t) on Linux; si_pid follows si_signo, si_errno, si_code and, on 64-bit, 4 bytes of padding. */
    private static final int SIGINFO_SIZE = 128;
    private static final int SI_PID = Native.POINTER_SIZE == 8 ? 16 : 12;
    /** Exit statuses kept for whoever asks after the reaping (the tree watch asks within milliseconds). */
    private static final int REMEMBERED = 256;
    /** With no child at all, how often the reaper thread looks for one: well within a second of an orphan's death. */
    static final long NO_CHILD_MILLIS = 200;
    /** The same for a subreaper that is not PID 1: its orphans come from its children, which come from launches. */
    static final long NO_CHILD_SUBREAPER_MILLIS = 5_000;
    /** The longest wait while the first zombie is Java's (it collects its own in microseconds). */
    private static final long JAVAS_MAX_MILLIS = 200;
    private static final long SELF = ProcessHandle.current().pid();
    /** How long a zombie in the daemon's own session is left to Java before it is taken for an orphan. */
    static final long UNCLAIMED_NANOS = java.util.concurrent.TimeUnit.SECONDS.toNanos(5);
    /** Zombies in the daemon's own session not collected yet, and since when: used under the launcher's lock only. */
    private static final Map<Exit, Long> UNCLAIMED = new HashMap<>();

    /** waitid's siginfo_t, used under {@link RuntimeLauncher#SPAWN} only: no native allocation per probe cycle. */
    private static final Memory INFO = new Memory(SIGINFO_SIZE);
    private static final int[] STATUS = new int[1];
    private static Thread reaper;
    /** The daemon's session, read once: a zombie in it is a child the JVM started itself (see the class comment). */
    private static long ownSession = -2;

    private record Exit(long pid, long startTicks) {
    }

    private static final Map<Exit, Integer> EXITS = new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Exit, Integer> eldest) {
            return size() > REMEMBERED;
        }
    };

    private Subreaper() {
    }

    /** Makes this JVM a child subreaper; false when the kernel refuses (not Linux, or a sandbox without prctl). */
    public static boolean enable() {
        if (!Platform.isLinux()) {
            return false;
        }
        try {
            Libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
            return true;
        } catch (LastErrorException | UnsatisfiedLinkError e) {
            return false;
        }
    }

    /**
     * Starts the reaper thread, once per JVM (a daemon thread: it never holds up the exit). For a child subreaper and
     * for PID 1; the calls of {@link #reap} elsewhere stay, and only make sure of what the thread does anyway.
     */
    public static synchronized void start() {
        if (reaper != null || !Platform.isLinux()) {
            return;
        }
        reaper = new Thread(Subreaper::reapForever, "glyph-reaper");
        reaper.setDaemon(true);
        reaper.start();
    }

    /** True when this JVM is the init of its PID namespace (a container's entrypoint). */
    public static boolean isPid1() {
        return SELF == 1;
    }

    private static void reapForever() {
        Memory info = new Memory(SIGINFO_SIZE); // this thread's own: INFO is the lock holder's
        long javasWait = 0;
        while (true) {
            info.clear();
            try {
                // Blocks, without any lock, until a child of any thread of ours has exited; collects nothing.
                Libc.waitid(P_ALL, 0, info, WEXITED | WNOWAIT);
            } catch (LastErrorException e) {
                if (e.getErrorCode() != EINTR) {
                    awaitAChild(); // ECHILD: no child at all, yet
                }
                continue;
            }
            try {
                if (reapOrphans()) {
                    javasWait = 0;
                } else {
                    // The first zombie is Java's: waitid would report it at once until Java has collected it.
                    javasWait = Math.min(JAVAS_MAX_MILLIS, Math.max(1, javasWait * 2));
                    sleep(javasWait);
                }
            } catch (RuntimeException | Error e) {
                Thread current = Thread.currentThread();
                current.getUncaughtExceptionHandler().uncaughtException(current, e);
                sleep(NO_CHILD_MILLIS);
            }
        }
    }

    /** With no child: until a launch (the launcher notifies {@link RuntimeLauncher#SPAWN}) or a while has passed. */
    private static void awaitAChild() {
        synchronized (RuntimeLauncher.SPAWN) {
            INFO.clear();
            try {
                // Again under the lock: a launch that came after our ECHILD is seen here, not missed by the wait.
                Libc.waitid(P_ALL, 0, INFO, WEXITED | WNOHANG | WNOWAIT);
                return;
            } catch (LastErrorException e) {
                // still none
            }
            try {
                RuntimeLauncher.SPAWN.wait(isPid1() ? NO_CHILD_MILLIS : NO_CHILD_SUBREAPER_MILLIS);
            } catch (InterruptedException ignored) {
                // keep reaping
            }
        }
    }

    /**
     * Collects every zombie child that is an orphan (not started by this JVM: see the class comment) and remembers its
     * exit status. Cheap when there is none: one waitid(2). A zombie that is Java's is left to Java.
     */
    public static void reap() {
        if (Platform.isLinux()) {
            reapOrphans();
        }
    }

    /** {@link #reap}; false when a zombie that is Java's is left (the orphans among the others were reaped). */
    private static boolean reapOrphans() {
        // Under the launcher's lock: a child it is starting is not in its list yet, and must not be taken for an orphan.
        synchronized (RuntimeLauncher.SPAWN) {
            while (true) {
                INFO.clear();
                try {
                    Libc.waitid(P_ALL, 0, INFO, WEXITED | WNOHANG | WNOWAIT);
                } catch (LastErrorException e) {
                    return true; // ECHILD: no children at all
                }
                long pid = INFO.getInt(SI_PID);
                if (pid <= 0) {
                    return true; // children, none of them a zombie
                }
                Optional<ProcInfo> zombie = ProcessTable.get(pid);
                if (RuntimeLauncher.startedHere(pid) || zombie.isEmpty() || zombie.get().sid() == ownSession()) {
                    return reapByScan(); // the first zombie may be Java's: look at each one
                }
                if (!collect(pid, zombie.get().startTicks())) {
                    return true;
                }
            }
        }
    }

    /**
     * Every zombie child of ours, found by a scan of /proc: one the launcher started is Java's, always; one in the
     * daemon's own session is Java's while it is younger than {@link #UNCLAIMED_NANOS} (Java collects its own at
     * once, so an older one is the orphan of a child the JVM started, which nobody else will collect); the rest are
     * orphans and collected. True when none is left.
     */
    private static boolean reapByScan() {
        boolean left = false;
        long now = System.nanoTime();
        Map<Exit, Long> seen = new HashMap<>();
        for (ProcInfo p : ProcessTable.snapshot()) {
            if (p.ppid() != SELF || !p.isZombie()) {
                continue;
            }
            if (RuntimeLauncher.startedHere(p.pid())) {
                left = true;
                continue;
            }
            if (p.sid() == ownSession()) {
                Exit key = new Exit(p.pid(), p.startTicks());
                long since = UNCLAIMED.getOrDefault(key, now);
                seen.put(key, since);
                if (now - since < UNCLAIMED_NANOS) {
                    left = true;
                    continue;
                }
            }
            collect(p.pid(), p.startTicks());
        }
        UNCLAIMED.clear();
        UNCLAIMED.putAll(seen);
        return !left;
    }

    private static long ownSession() {
        if (ownSession == -2) {
            ownSession = ProcessTable.get(SELF).map(ProcInfo::sid).orElse(-1L);
        }
        return ownSession;
    }

    /** waitpid(pid, WNOHANG) for a zombie child of ours; false when it was not collected here. */
    private static boolean collect(long pid, long startTicks) {
        try {
            if (Libc.waitpid((int) pid, STATUS, WNOHANG) != pid) {
                return false;
            }
        } catch (LastErrorException e) {
            return e.getErrorCode() == ECHILD; // someone else collected it meanwhile: look at the next one
        }
        synchronized (EXITS) {
            EXITS.put(new Exit(pid, startTicks), javaExitCode(STATUS[0]));
        }
        return true;
    }

    /** The reaper thread's pause; nothing interrupts it, and it has no end to hurry to (a daemon thread). */
    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException ignored) {
            // keep reaping
        }
    }

    /** The exit status of an orphan {@link #reap} collected (Java's convention: 128+N for signal N), if it did. */
    public static OptionalInt exitStatus(long pid, long startTicks) {
        synchronized (EXITS) {
            Integer code = EXITS.get(new Exit(pid, startTicks));
            return code == null ? OptionalInt.empty() : OptionalInt.of(code);
        }
    }

    /** wait(2)'s status word: exited (low 7 bits 0, code in the next 8), or killed by the signal in the low 7 bits. */
    static int javaExitCode(int status) {
        int signal = status & 0x7f;
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal;
    }

    /** Direct mapping: no proxy, and errno comes back as a LastErrorException. */
    private static final class Libc {
        static {
            Native.register(Platform.C_LIBRARY_NAME);
        }

        // prctl(2) is variadic; its arguments here are all integers, which the Linux ABIs pass in the same
        // registers either way (as for syscall in PidFd).
        static native int prctl(int option, long arg2, long arg3, long arg4, long arg5) throws LastErrorException;

        static native int waitid(int idtype, int id, Pointer info, int options) throws LastErrorException;

        static native int waitpid(int pid, int[] status, int options) throws LastErrorException;
    }
}
