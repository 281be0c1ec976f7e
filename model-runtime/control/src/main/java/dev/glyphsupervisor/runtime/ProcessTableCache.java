package dev.glyphsupervisor.runtime;

import java.time.Duration;
import java.util.List;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * One recent scan of the process table, shared by the memory readings of every server of the daemon: a daemon of
 * sixteen servers probed every second scanned {@code /proc} sixteen times a second (~1.3 ms of CPU each on the 2-core
 * CI VM, issue 15); with this it scans about once.
 *
 * <p><b>For memory readings only.</b> A table here may be up to {@link #MEMORY_READINGS_MAX_AGE} old, so it can miss
 * a process forked since or still list one that has exited. A memory reading can live with that (the next second reads
 * again). A stop, a kill, a GPU release or anything else that acts on the tree must not: those call
 * {@link ProcessTree#members(LaunchedProcess)}, which scans afresh every time, and must never be given a table from
 * here.
 *
 * <p>Thread-safe: servers' probe threads share the one instance; a scan runs under the lock, so threads that ask
 * meanwhile wait for it and use it rather than scanning too.
 */
public final class ProcessTableCache {

    /**
     * How old a shared table may be: one second, so that servers probed every second, whose cycles are spread over the
     * second, share one scan a second (with 250 ms, sixteen servers still scanned up to four times a second). Only the
     * tree's membership comes from the table; each member's memory is read when asked, and a member forked in the last
     * second is counted by the next reading.
     */
    public static final Duration MEMORY_READINGS_MAX_AGE = Duration.ofSeconds(1);

    private static final ProcessTableCache MEMORY_READINGS =
            new ProcessTableCache(System::nanoTime, MEMORY_READINGS_MAX_AGE, ProcessTree.Table::scan);

    private final LongSupplier ticker;
    private final long maxAgeNanos;
    private final Supplier<ProcessTree.Table> scan;

    private ProcessTree.Table table;
    private long takenAtNanos;

    /**
     * @param ticker  nanoseconds, as {@link System#nanoTime()} (a test gives its own)
     * @param maxAge  how long a scan serves
     * @param scan    takes a table now
     */
    ProcessTableCache(LongSupplier ticker, Duration maxAge, Supplier<ProcessTree.Table> scan) {
        this.ticker = ticker;
        this.maxAgeNanos = maxAge.toNanos();
        this.scan = scan;
    }

    /** The daemon's one cache, for the memory readings (tree RSS and GPU shares, status's memory) of all its servers. */
    public static ProcessTableCache forMemoryReadings() {
        return MEMORY_READINGS;
    }

    /**
     * The members of {@code root}'s tree, for a memory reading: from the shared table when it is recent and no launch
     * has completed since it was scanned, else from a fresh scan (which then serves the others): a tree launched after
     * the scan would be missing from it, or not yet in its own session.
     */
    public List<ProcInfo> membersForMemoryReading(LaunchedProcess root) {
        return ProcessTree.members(root, recent());
    }

    /** The shared table while it is at most the maximum age old and no launch has completed since; else a new scan. */
    synchronized ProcessTree.Table recent() {
        long now = ticker.getAsLong();
        if (table == null || now - takenAtNanos > maxAgeNanos || table.predatesLaunches()) {
            return rescanLocked(now);
        }
        return table;
    }

    private ProcessTree.Table rescanLocked(long now) {
        table = scan.get();
        takenAtNanos = now;
        return table;
    }
}
