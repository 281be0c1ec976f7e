package dev.glyphsupervisor.runtime;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalInt;

/**
 * The supervisor as a child subreaper ({@code prctl(PR_SET_CHILD_SUBREAPER, 1)}, what container inits and systemd
 * do). A process of the server's tree whose parent dies is then re-parented to the supervisor instead of init: a
 * server a launch script started in the background, a worker that called setsid(). It stays a descendant, so it
 * cannot slip out of sight, and its exit status comes to us.
 *
 * <p>Being their parent means reaping them, or they stay zombies. Never {@code waitpid(-1)}: Java's own reaper
 * thread waits by pid for each child it started (the launched command) and would be told exit 0 if we took its
 * status. {@link #reap} looks at a zombie child without collecting it ({@code waitid(P_ALL, WNOWAIT)}), and
 * collects it by its pid only when the launcher did not start it.
 */
public final class Subreaper {

    private static final int PR_SET_CHILD_SUBREAPER = 36;
    private static final int P_ALL = 0;
    private static final int WNOHANG = 1;
    private static final int WEXITED = 4;
    private static final int WNOWAIT = 0x01000000;
    private static final int ECHILD = 10;
    /** sizeof(siginfo_t) on Linux; si_pid follows si_signo, si_errno, si_code and, on 64-bit, 4 bytes of padding. */
    private static final int SIGINFO_SIZE = 128;
    private static final int SI_PID = Native.POINTER_SIZE == 8 ? 16 : 12;
    /** Exit statuses kept for whoever asks after the reaping (the tree watch asks within milliseconds). */
    private static final int REMEMBERED = 256;

    /** waitid's siginfo_t, used under {@link RuntimeLauncher#SPAWN} only: no native allocation per probe cycle. */
    private static final Memory INFO = new Memory(SIGINFO_SIZE);
    private static final int[] STATUS = new int[1];

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
     * Collects every zombie child that the launcher did not start (orphans of a server tree re-parented to us) and
     * remembers its exit status. Cheap when there is none: one waitid(2). Stops at a zombie the launcher started:
     * Java collects that one, and what is behind it waits for the next call.
     */
    public static void reap() {
        if (!Platform.isLinux()) {
            return;
        }
        // Under the launcher's lock: a child it is starting is not in its list yet, and must not be taken for an orphan.
        synchronized (RuntimeLauncher.SPAWN) {
            while (true) {
                INFO.clear();
                try {
                    Libc.waitid(P_ALL, 0, INFO, WEXITED | WNOHANG | WNOWAIT);
                } catch (LastErrorException e) {
                    return; // ECHILD: no children at all
                }
                long pid = INFO.getInt(SI_PID);
                if (pid <= 0 || RuntimeLauncher.startedHere(pid)) {
                    return;
                }
                long startTicks = ProcessTable.get(pid).map(ProcInfo::startTicks).orElse(-1L);
                try {
                    if (Libc.waitpid((int) pid, STATUS, WNOHANG) != pid) {
                        return;
                    }
                } catch (LastErrorException e) {
                    if (e.getErrorCode() != ECHILD) {
                        return;
                    }
                    continue; // someone else collected it meanwhile
                }
                synchronized (EXITS) {
                    EXITS.put(new Exit(pid, startTicks), javaExitCode(STATUS[0]));
                }
            }
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
