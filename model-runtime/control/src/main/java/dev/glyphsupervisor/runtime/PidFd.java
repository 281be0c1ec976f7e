package dev.glyphsupervisor.runtime;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;

import java.util.List;
import java.util.Optional;

/**
 * A Linux pidfd ({@code pidfd_open(2)}, kernel 5.3 and later): a file descriptor for one process that becomes
 * readable when the process exits, whether or not anyone reaps it. It lets the supervisor wait for the death of
 * a server that is not its child (one it adopted from a previous daemon: no waitpid, no exit callback) without
 * looking at /proc over and over: the wait costs nothing while the server lives and ends the moment it dies.
 */
public final class PidFd implements AutoCloseable {

    /** pidfd_open's number in the generic syscall table, the same on x86_64 and aarch64. */
    private static final long SYS_PIDFD_OPEN = 434;
    private static final short POLLIN = 0x1;
    private static final int EINTR = 4;

    private final int fd;
    private boolean closed;

    private PidFd(int fd) {
        this.fd = fd;
    }

    /**
     * A pidfd for {@code pid}; empty when there is no such process or the kernel (or a seccomp filter) does not
     * offer pidfd_open, in which case the caller has to look at /proc instead.
     */
    public static Optional<PidFd> open(long pid) {
        if (pid <= 0 || !Platform.isLinux()) {
            return Optional.empty();
        }
        try {
            return Optional.of(new PidFd(Libc.syscall(SYS_PIDFD_OPEN, Math.toIntExact(pid), 0)));
        } catch (LastErrorException | UnsatisfiedLinkError e) {
            return Optional.empty(); // ESRCH: gone already; ENOSYS/EPERM: not offered here
        }
    }

    /** Waits until the process has exited, or {@code timeoutMillis} (-1: no limit) passed; true when it has exited. */
    public synchronized boolean awaitExit(int timeoutMillis) {
        if (closed) {
            throw new IllegalStateException("pidfd closed");
        }
        Memory pollFd = new Memory(8); // struct pollfd { int fd; short events; short revents; }
        pollFd.setInt(0, fd);
        pollFd.setShort(4, POLLIN);
        pollFd.setShort(6, (short) 0);
        while (true) {
            try {
                return Libc.poll(pollFd, 1, timeoutMillis) > 0;
            } catch (LastErrorException e) {
                if (e.getErrorCode() != EINTR) {
                    throw new IllegalStateException("poll on a pidfd failed: errno " + e.getErrorCode(), e);
                }
            }
        }
    }

    /**
     * Waits until one of the processes has exited, or {@code timeoutMillis} (-1: no limit) passed; true when one has.
     * One poll(2) over all of them: the tree watch sleeps on a whole tree's top processes at once.
     */
    public static boolean awaitAnyExit(List<PidFd> pidfds, int timeoutMillis) {
        if (pidfds.isEmpty()) {
            throw new IllegalArgumentException("no pidfd to wait on");
        }
        Memory pollFds = new Memory(8L * pidfds.size());
        for (int i = 0; i < pidfds.size(); i++) {
            PidFd p = pidfds.get(i);
            if (p.closed) {
                throw new IllegalStateException("pidfd closed");
            }
            pollFds.setInt(8L * i, p.fd);
            pollFds.setShort(8L * i + 4, POLLIN);
            pollFds.setShort(8L * i + 6, (short) 0);
        }
        while (true) {
            try {
                return Libc.poll(pollFds, pidfds.size(), timeoutMillis) > 0;
            } catch (LastErrorException e) {
                if (e.getErrorCode() != EINTR) {
                    throw new IllegalStateException("poll on pidfds failed: errno " + e.getErrorCode(), e);
                }
            }
        }
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            try {
                Libc.close(fd);
            } catch (LastErrorException ignored) {
                // nothing to do about a failed close of a descriptor we own
            }
        }
    }

    /** Direct mapping: no proxy, and errno comes back as a LastErrorException. */
    private static final class Libc {
        static {
            Native.register(Platform.C_LIBRARY_NAME);
        }

        // syscall(2) is variadic; its arguments here are all integers, which the Linux ABIs pass in the same
        // registers either way (glibc's syscall is a register shuffle that reads no va_list).
        static native int syscall(long number, int pid, int flags) throws LastErrorException;

        static native int poll(Pointer fds, long nfds, int timeout) throws LastErrorException;

        static native int close(int fd) throws LastErrorException;
    }
}
