package dev.glyphsupervisor.e2e;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Stops one thread of another process, and only that thread, the way systemd/check/checks.py stalls the daemon's event
 * loop: {@code PTRACE_SEIZE} then {@code PTRACE_INTERRUPT} of its task id. The rest of that JVM (its HTTP threads, its
 * timers) runs on. {@link #close} detaches and the thread goes on where it stopped. The tracer is a thread, not a
 * process, so every ptrace call here comes from one thread of this JVM. Needs root or CAP_SYS_PTRACE (or a Yama
 * ptrace_scope that lets a parent trace its child: the daemon is this JVM's child).
 */
final class ThreadFreezer implements AutoCloseable {

    private static final long PTRACE_SEIZE = 0x4206;
    private static final long PTRACE_INTERRUPT = 0x4207;
    private static final long PTRACE_DETACH = 17;
    private static final int WALL = 0x40000000;

    interface Libc extends Library {
        Libc C = Native.load(Platform.C_LIBRARY_NAME, Libc.class);

        long ptrace(long request, long tid, Pointer addr, Pointer data) throws LastErrorException;

        int waitpid(int pid, int[] status, int options) throws LastErrorException;
    }

    private final ExecutorService tracer = Executors.newSingleThreadExecutor(task -> {
        Thread thread = new Thread(task, "test-ptrace-tracer");
        thread.setDaemon(true);
        return thread;
    });
    private final int tid;

    private ThreadFreezer(int tid) {
        this.tid = tid;
    }

    /** The task ids of {@code pid}'s threads named {@code name} (their {@code comm}), in task-id order. */
    static List<Integer> threads(long pid, String name) {
        Path tasks = Path.of("/proc", Long.toString(pid), "task");
        try (Stream<Path> list = Files.list(tasks)) {
            return list.filter(t -> comm(t).equals(name)).map(t -> Integer.parseInt(t.getFileName().toString()))
                    .sorted().collect(Collectors.toList());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String comm(Path task) {
        try {
            return Files.readString(task.resolve("comm")).strip();
        } catch (IOException e) {
            return ""; // the thread ended meanwhile
        }
    }

    /** Stops thread {@code tid}; returns once the kernel reports it stopped. */
    static ThreadFreezer freeze(int tid) throws Exception {
        ThreadFreezer freezer = new ThreadFreezer(tid);
        try {
            freezer.tracer.submit(() -> {
                Libc.C.ptrace(PTRACE_SEIZE, tid, null, null);
                Libc.C.ptrace(PTRACE_INTERRUPT, tid, null, null);
                int[] status = new int[1];
                Libc.C.waitpid(tid, status, WALL);
                if ((status[0] & 0xff) != 0x7f) {
                    throw new IllegalStateException("thread " + tid + " did not stop: wait status " + status[0]);
                }
                return null;
            }).get(10, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            freezer.tracer.shutdownNow();
            throw new IllegalStateException("cannot ptrace-stop thread " + tid + ": " + e.getCause(), e.getCause());
        }
        return freezer;
    }

    /** Lets the thread run again. */
    @Override
    public void close() throws Exception {
        try {
            tracer.submit(() -> Libc.C.ptrace(PTRACE_DETACH, tid, null, null)).get(10, TimeUnit.SECONDS);
        } finally {
            tracer.shutdownNow();
        }
    }
}
