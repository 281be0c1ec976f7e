package dev.glyphsupervisor.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProcessTreeTest {

    @TempDir
    Path tmp;
    private Spawner spawner;

    @BeforeEach
    void setUp() {
        spawner = new Spawner(tmp);
    }

    @AfterEach
    void cleanup() {
        spawner.close();
    }

    @Test
    void findsTheRootAndItsBackgroundChildren() throws Exception {
        Spawner.Run run = spawner.launch("sh", "-c", "sleep 100 & sleep 100 & wait");
        long root = run.process().pid();
        List<ProcInfo> members = Spawner.await("root and two sleeps", () -> ProcessTree.members(run.process()),
                m -> m.size() == 3 && m.stream().filter(p -> p.comm().equals("sleep")).count() == 2);
        assertTrue(members.stream().anyMatch(p -> p.pid() == root));
        assertEquals(2, members.stream().filter(p -> p.ppid() == root && p.comm().equals("sleep")).count());
    }

    @Test
    void orphansAreStillFoundThroughTheSessionAfterTheRootDies() throws Exception {
        Spawner.Run run = spawner.launch("sh", "-c", "sleep 100 & sleep 100 & wait");
        long root = run.process().pid();
        // Wait for the children to have exec'd sleep (a forked child is "sh" until then).
        Spawner.await("root and two sleeps", () -> ProcessTree.members(run.process()),
                m -> m.size() == 3 && m.stream().filter(p -> p.comm().equals("sleep")).count() == 2);
        Signals.kill(root, Signals.SIGKILL);
        assertEquals(137, run.exit().get(10, TimeUnit.SECONDS));

        List<ProcInfo> orphans = ProcessTree.members(run.process());
        assertEquals(2, orphans.size(), orphans.toString());
        for (ProcInfo orphan : orphans) {
            assertEquals("sleep", orphan.comm());
            assertEquals(root, orphan.sid());
            assertTrue(orphan.ppid() != root, "reparented away from the dead root: " + orphan);
        }
    }

    @Test
    void aChildThatStartsItsOwnSessionIsFoundThroughItsParent() throws Exception {
        Spawner.Run run = spawner.launch("sh", "-c", "setsid sleep 100 & wait");
        long root = run.process().pid();
        List<ProcInfo> members = Spawner.await("root and the escaped sleep",
                () -> ProcessTree.members(run.process()),
                m -> m.stream().anyMatch(p -> p.comm().equals("sleep") && p.sid() != root));
        ProcInfo escaped = members.stream().filter(p -> p.comm().equals("sleep")).findFirst().orElseThrow();
        assertEquals(root, escaped.ppid());
        assertEquals(escaped.pid(), escaped.sid());
    }

    @Test
    void aReusedRootPidIsNotTheTree() throws Exception {
        Spawner.Run run = spawner.launch("sleep", "100");
        LaunchedProcess p = run.process();
        // Same pid, another start time: what the kernel shows under that pid is a different process.
        LaunchedProcess stale = new LaunchedProcess(p.pid(), p.pgid(), p.startTicks() - 1, p.command(), p.launchedAt());
        assertEquals(List.of(), ProcessTree.members(stale));
        assertFalse(ProcessTree.members(p).isEmpty());
    }

    @Test
    void zombiesAreNotMembersButTheirChildrenAre() {
        LaunchedProcess root = new LaunchedProcess(100, 100, 5, List.of("x"), java.time.Instant.now());
        List<ProcInfo> table = List.of(
                new ProcInfo(100, 1, 100, 100, 'Z', 5, "server"),
                new ProcInfo(101, 100, 101, 101, 'S', 6, "escaped"),
                new ProcInfo(102, 101, 101, 101, 'S', 7, "grandchild"),
                new ProcInfo(200, 1, 200, 200, 'S', 8, "unrelated"));
        assertEquals(List.of(101L, 102L), ProcessTree.members(root, table).stream().map(ProcInfo::pid).sorted().toList());
    }
}
