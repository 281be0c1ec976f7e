package dev.glyphsupervisor.runtime;

/**
 * One line of {@code /proc/<pid>/stat}, reduced to what the supervisor needs.
 *
 * @param startTicks field 22, the start time in clock ticks since boot; with the pid it names one process
 *                   for good, because a reused pid gets a later start time
 * @param comm       the executable's name as the kernel keeps it (at most 15 characters, may hold spaces
 *                   and parentheses)
 */
public record ProcInfo(long pid, long ppid, long pgid, long sid, char state, long startTicks, String comm) {

    /** Exited but not yet reaped ({@code Z}), or being torn down ({@code X}): it holds no resources. */
    public boolean isZombie() {
        return state == 'Z' || state == 'X';
    }

    /** Stopped by a signal ({@code T}) or by a tracer ({@code t}). */
    public boolean isStopped() {
        return state == 'T' || state == 't';
    }
}
