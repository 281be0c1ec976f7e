package dev.glyphsupervisor.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class ProcessTreeTest {

    @RegisterExtension
    final Spawner spawner = new Spawner();

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
        LaunchedProcess stale = new LaunchedProcess(p.pid(), p.pgid(), p.startTicks() - 1, p.command(), p.launchedAt(), null);
        assertEquals(List.of(), ProcessTree.members(stale));
        assertFalse(ProcessTree.members(p).isEmpty());
    }

    /** A double fork into a new session: no session, group or parent ties it to the tree, only the marker. */
    @Test
    void aMarkedProcessThatLeftTheSessionAndLostItsParentIsAMemberWithItsChildren() {
        List<ProcInfo> table = List.of(
                new ProcInfo(150, 1, 150, 150, 'S', 9, "python3"),
                new ProcInfo(151, 150, 150, 150, 'S', 10, "worker"),
                new ProcInfo(200, 1, 200, 200, 'S', 8, "unrelated"));
        assertEquals(List.of(150L, 151L), membersWith150Marked(table));
        assertEquals(List.of(), ProcessTree.members(launchedAt100("/state"), table), "unmarked, it would be lost");
    }

    /** The root's pid now belongs to someone else: its session is not ours, marked processes still are. */
    @Test
    void aReusedRootPidStillLeavesTheMarkedProcesses() {
        assertEquals(List.of(150L), membersWith150Marked(List.of(
                new ProcInfo(100, 1, 100, 100, 'S', 77, "someone-else"),
                new ProcInfo(101, 100, 100, 100, 'S', 78, "their-child"),
                new ProcInfo(150, 1, 150, 150, 'S', 9, "python3"))));
    }

    /** The real marker, read from /proc: a setsid'd child of a script that exited is found through it alone. */
    @Test
    void theMarkerFindsAProcessThatLeftTheSessionOfAnExitedScript() throws Exception {
        Spawner.Run run = spawner.launch(new LaunchSpec(List.of("sh", "-c", "setsid sleep 100 & exit 0"), null,
                java.util.Map.of(), spawner.dir().resolve("marked.log"), 0, spawner.dir().toString()));
        assertEquals(0, run.exit().get(10, TimeUnit.SECONDS));
        List<ProcInfo> members = Spawner.await("the escaped sleep", () -> ProcessTree.members(run.process()),
                m -> m.stream().anyMatch(p -> p.comm().equals("sleep")));
        ProcInfo sleep = members.get(0);
        assertEquals(1, members.size(), members.toString());
        assertEquals(sleep.pid(), sleep.sid(), "it leads a session of its own");
        assertEquals(java.util.Optional.of(spawner.dir().toString()),
                ProcessTable.environment(sleep.pid(), ProcessTree.MARKER));
    }

    /**
     * An orphan re-parented to this JVM (its subreaper) after the launch is the tree's even when nothing else says so:
     * it left the session and dropped the marker (or is caught between the two images of an exec, when its
     * environment reads empty).
     */
    @Test
    void anOrphanReparentedToUsIsAMemberWithoutSessionOrMarker() throws Exception {
        assertTrue(Subreaper.enable());
        Spawner.Run run = spawner.launch(new LaunchSpec(List.of("sh", "-c",
                "setsid env -u " + ProcessTree.MARKER + " sleep 100 & exit 0"), null,
                java.util.Map.of(), spawner.dir().resolve("orphan.log"), 0, spawner.dir().toString()));
        assertEquals(0, run.exit().get(10, TimeUnit.SECONDS));
        List<ProcInfo> members = Spawner.await("the unmarked orphan", () -> ProcessTree.members(run.process()),
                m -> m.stream().anyMatch(p -> p.comm().equals("sleep")));
        ProcInfo sleep = members.stream().filter(p -> p.comm().equals("sleep")).findFirst().orElseThrow();
        assertEquals(ProcessHandle.current().pid(), sleep.ppid());
        assertEquals(java.util.Optional.empty(), ProcessTable.environment(sleep.pid(), ProcessTree.MARKER));
    }

    /**
     * An environment that reads empty tells nothing (a process caught mid-exec reads so): it must not be remembered
     * as "unmarked", or the process is lost for good once its exec completes with the marker.
     */
    @Test
    void anEmptyEnvironmentIsReadAgainNotRememberedAsUnmarked() throws Exception {
        String state = spawner.dir().toString();
        ProcessBuilder pb = new ProcessBuilder("sh", "-c",
                "read go; exec env " + ProcessTree.MARKER + "=" + state + " sleep 100");
        pb.environment().clear();
        Process p = pb.start();
        try {
            ProcInfo before = Spawner.await("sh with an empty environment", () -> ProcessTable.get(p.pid()),
                    i -> i.isPresent() && i.get().comm().equals("sh")).orElseThrow();
            assertFalse(ProcessTree.carries(before, state));

            p.getOutputStream().write('\n');
            p.getOutputStream().flush();
            ProcInfo after = Spawner.await("the marked sleep, same process", () -> ProcessTable.get(p.pid()),
                    i -> i.isPresent() && i.get().comm().equals("sleep")).orElseThrow();
            assertEquals(before.startTicks(), after.startTicks());
            assertTrue(ProcessTree.carries(after, state), "found once its environment is readable");
        } finally {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    /**
     * An environment that cannot be opened (another user's process, when the daemon is not root) is remembered as
     * unmarked: it was read again by every server on every probe cycle, an exception each time.
     */
    @Test
    void anEnvironmentThatCannotBeOpenedIsReadOnce() {
        long beyondPidMax = 4_194_400; // pid_max is at most 2^22: no such process, so /proc/PID/environ cannot be opened
        ProcInfo unreadable = new ProcInfo(beyondPidMax, 1, beyondPidMax, beyondPidMax, 'S', 42, "theirs");
        assertFalse(ProcessTree.markRemembered(beyondPidMax, 42));
        assertFalse(ProcessTree.carries(unreadable, spawner.dir().toString()));
        assertTrue(ProcessTree.markRemembered(beyondPidMax, 42), "remembered as unmarked, not read again next cycle");
    }

    @Test
    void zombiesAreNotMembersButTheirChildrenAre() {
        LaunchedProcess root = launchedAt100(null);
        List<ProcInfo> table = List.of(
                new ProcInfo(100, 1, 100, 100, 'Z', 5, "server"),
                new ProcInfo(101, 100, 101, 101, 'S', 6, "escaped"),
                new ProcInfo(102, 101, 101, 101, 'S', 7, "grandchild"),
                new ProcInfo(200, 1, 200, 200, 'S', 8, "unrelated"));
        assertEquals(List.of(101L, 102L), sortedPids(ProcessTree.members(root, table)));
    }

    /** A launch of pid 100 (its own group, start time 5) for the tests that judge a made-up process table. */
    private static LaunchedProcess launchedAt100(String marker) {
        return new LaunchedProcess(100, 100, 5, List.of("x"), java.time.Instant.now(), marker);
    }

    /** The members of a marked launch of pid 100 in a made-up table where pid 150 alone carries the marker. */
    private static List<Long> membersWith150Marked(List<ProcInfo> table) {
        return sortedPids(ProcessTree.members(launchedAt100("/state"), table, p -> p.pid() == 150));
    }

    private static List<Long> sortedPids(List<ProcInfo> members) {
        return members.stream().map(ProcInfo::pid).sorted().toList();
    }
}
