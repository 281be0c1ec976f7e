package dev.glyphsupervisor.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The memory readings' shared process table: one scan serves every reading within its window. No sleeps: a ticker. */
class ProcessTableCacheTest {

    private static final long MS = 1_000_000L;

    private final AtomicLong now = new AtomicLong(5_000 * MS);
    private final AtomicInteger scans = new AtomicInteger();

    /** A table of two servers' trees (roots 100 and 200, each with a worker); no launch since, as scanned now. */
    private ProcessTree.Table scan() {
        scans.incrementAndGet();
        return new ProcessTree.Table(List.of(
                new ProcInfo(100, 1, 100, 100, 'S', 10, "server-a"),
                new ProcInfo(101, 100, 100, 100, 'S', 11, "worker-a"),
                new ProcInfo(200, 1, 200, 200, 'S', 12, "server-b"),
                new ProcInfo(201, 200, 200, 200, 'S', 13, "worker-b")), Set.of(), -1, RuntimeLauncher.launches());
    }

    private final ProcessTableCache cache = new ProcessTableCache(now::get, Duration.ofMillis(250), this::scan);

    private static LaunchedProcess root(long pid, long startTicks) {
        return new LaunchedProcess(pid, pid, startTicks, List.of("server"), Instant.EPOCH, null);
    }

    private static List<Long> pids(List<ProcInfo> members) {
        return members.stream().map(ProcInfo::pid).sorted().toList();
    }

    @Test
    void twoReadingsWithinTheWindowShareOneScan() {
        ProcessTree.Table first = cache.recent();
        now.addAndGet(249 * MS);
        ProcessTree.Table second = cache.recent();

        assertSame(first, second);
        assertEquals(1, scans.get());
    }

    @Test
    void aReadingAfterTheWindowScansAgain() {
        ProcessTree.Table first = cache.recent();
        now.addAndGet(251 * MS);
        ProcessTree.Table second = cache.recent();

        assertNotSame(first, second);
        assertEquals(2, scans.get());
        now.addAndGet(100 * MS); // and the new scan serves the next window
        assertSame(second, cache.recent());
        assertEquals(2, scans.get());
    }

    @Test
    void everyServersTreeComesFromTheOneScan() {
        assertEquals(List.of(100L, 101L), pids(cache.membersForMemoryReading(root(100, 10))));
        now.addAndGet(10 * MS);
        assertEquals(List.of(200L, 201L), pids(cache.membersForMemoryReading(root(200, 12))));

        assertEquals(1, scans.get(), "two servers' readings, one scan of /proc");
    }

    @Test
    void aLaunchCompletedSinceTheScanMeansANewScanWithinTheWindow() {
        ProcessTableCache stale = new ProcessTableCache(now::get, Duration.ofMillis(250), () -> {
            scans.incrementAndGet();
            // Scanned before a launch that has completed since: the new tree may be missing or not yet a session.
            return new ProcessTree.Table(List.of(), Set.of(), -1, RuntimeLauncher.launches() - 1);
        });
        stale.recent();
        now.addAndGet(1 * MS);
        stale.recent();

        assertEquals(2, scans.get());
    }
}
