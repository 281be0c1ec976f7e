package dev.glyphsupervisor.runtime;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.Platform;

/**
 * {@code kill(2)} through JNA. Java's {@code ProcessHandle.destroy} can only signal one process with TERM
 * or KILL; the supervisor needs process groups and STOP/CONT too.
 */
public final class Signals {

    public static final int SIGKILL = 9;
    public static final int SIGTERM = 15;
    public static final int SIGCONT = 18;
    public static final int SIGSTOP = 19;

    private static final int ESRCH = 3;

    private Signals() {
    }

    /**
     * Sends {@code signal} to one process. Returns false when there is no such process (ESRCH).
     *
     * @throws IllegalArgumentException for pid 0 or 1 or negative: kill(2) would read those as "my group",
     *                                  "init" or "every process I may signal"
     * @throws IllegalStateException    for any other failure, such as EPERM (a process of another user)
     */
    public static boolean kill(long pid, int signal) {
        if (pid <= 1) {
            throw new IllegalArgumentException("refusing to signal pid " + pid);
        }
        return send(pid, signal);
    }

    /** Sends {@code signal} to every process of the group ({@code kill(-pgid, signal)}). False on ESRCH. */
    public static boolean killGroup(long pgid, int signal) {
        if (pgid <= 1) {
            throw new IllegalArgumentException("refusing to signal process group " + pgid);
        }
        return send(-pgid, signal);
    }

    /**
     * Whether this process has a handler for {@code signal} ({@code SigCgt} in /proc/self/status). It matters for
     * PID 1 of a namespace, which the kernel gives no default action: a signal it does not catch is dropped, so a JVM
     * run with {@code -Xrs} as a container's entrypoint would ignore {@code docker stop}'s SIGTERM. True when unknown.
     */
    public static boolean caught(int signal) {
        try {
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/status"))) {
                if (line.startsWith("SigCgt:")) {
                    long mask = Long.parseUnsignedLong(line.substring("SigCgt:".length()).trim(), 16);
                    return (mask & (1L << (signal - 1))) != 0;
                }
            }
        } catch (java.io.IOException | NumberFormatException e) {
            // not Linux, or a /proc we cannot read: assume the JVM's usual handlers
        }
        return true;
    }

    private static boolean send(long target, int signal) {
        try {
            Libc.kill(Math.toIntExact(target), signal);
            return true;
        } catch (LastErrorException e) {
            if (e.getErrorCode() == ESRCH) {
                return false;
            }
            throw new IllegalStateException("kill(" + target + ", " + signal + ") failed: errno " + e.getErrorCode(), e);
        }
    }

    /** Direct mapping: no proxy, and errno comes back as a LastErrorException. */
    private static final class Libc {
        static {
            Native.register(Platform.C_LIBRARY_NAME);
        }

        static native int kill(int pid, int signal) throws LastErrorException;
    }
}
