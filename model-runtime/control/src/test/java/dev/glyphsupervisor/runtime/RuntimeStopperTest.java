package dev.glyphsupervisor.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class RuntimeStopperTest {

    private static final Duration GRACE = Duration.ofSeconds(5);
    private static final Duration KILL_TIMEOUT = Duration.ofSeconds(5);

    @RegisterExtension
    final Spawner spawner = new Spawner();
    private final RuntimeStopper stopper = new RuntimeStopper();

    @Test
    void aTreeThatObeysTermStopsWithinGrace() throws Exception {
        Spawner.Run run = spawner.launch("sh", "-c", "sleep 100 & sleep 100 & wait");
        List<Long> members = Spawner.await("root and two sleeps", run::memberPids, m -> m.size() == 3);

        StopReport report = stopper.stop(run.process(), GRACE, KILL_TIMEOUT);

        assertEquals("SIGTERM", report.signal(), report.toString());
        assertTrue(report.converged(), report.toString());
        assertEquals(sorted(members), sorted(report.termed()));
        assertEquals(List.of(), report.survivorsKilled());
        assertTrue(report.elapsed().compareTo(GRACE) < 0, report.toString());
        assertEquals(List.of(), run.memberPids());
        assertEquals(128 + Signals.SIGTERM, run.exit().get(10, TimeUnit.SECONDS));
    }

    @Test
    void aTreeThatIgnoresTermIsKilledAfterGrace() throws Exception {
        // The ignored disposition is inherited: the sleep ignores TERM too.
        Spawner.Run run = spawner.launch("sh", "-c", "trap '' TERM; sleep 100 & wait");
        List<Long> members = Spawner.await("root and sleep", run::memberPids, m -> m.size() == 2);
        Duration grace = Duration.ofMillis(300);

        StopReport report = stopper.stop(run.process(), grace, KILL_TIMEOUT);

        assertEquals("SIGKILL", report.signal(), report.toString());
        assertTrue(report.converged(), report.toString());
        assertEquals(sorted(members), sorted(report.termed()));
        assertEquals(sorted(members), sorted(report.survivorsKilled()));
        assertTrue(report.elapsed().compareTo(grace) >= 0, report.toString());
        assertEquals(List.of(), run.memberPids());
        assertEquals(128 + Signals.SIGKILL, run.exit().get(10, TimeUnit.SECONDS));
    }

    @Test
    void aStoppedGroupIsContinuedSoItCanActOnTerm() throws Exception {
        Spawner.Run run = spawner.launch("sh", "-c", "sleep 100 & sleep 100 & wait");
        Spawner.await("root and two sleeps", run::memberPids, m -> m.size() == 3);
        Signals.killGroup(run.process().pgid(), Signals.SIGSTOP);
        Spawner.await("the group stopped", () -> ProcessTree.members(run.process()),
                m -> m.stream().allMatch(ProcInfo::isStopped));

        StopReport report = stopper.stop(run.process(), GRACE, KILL_TIMEOUT);

        assertEquals("SIGTERM", report.signal(), report.toString());
        assertTrue(report.converged(), report.toString());
    }

    @Test
    void anAlreadyGoneTreeIsNone() throws Exception {
        Spawner.Run run = spawner.launch("true");
        run.exit().get(10, TimeUnit.SECONDS);
        StopReport report = stopper.stop(run.process(), GRACE, KILL_TIMEOUT);
        assertEquals("none", report.signal());
        assertTrue(report.converged());
        assertEquals(List.of(), report.termed());
    }

    @Test
    void orphanedWorkersHoldingThePortAreStoppedAndThePortFrees() throws Exception {
        int port = Spawner.freePort();
        Path pidfile = spawner.dir().resolve("server.pids");
        Spawner.Run run = spawner.launch("python3", Spawner.forkingServer().toString(),
                "--port", Integer.toString(port), "--workers", "2", "--pidfile", pidfile.toString());
        String pids = Spawner.await("the server to write its pids", () -> readOrEmpty(pidfile),
                s -> s.endsWith("\n") && s.strip().split(" ").length == 3);
        List<Long> workers = Arrays.stream(pids.strip().split(" ")).skip(1).map(Long::parseLong).toList();
        assertEquals(run.process().pid(), Long.parseLong(pids.strip().split(" ")[0]));

        Signals.kill(run.process().pid(), Signals.SIGKILL);
        assertEquals(137, run.exit().get(10, TimeUnit.SECONDS));
        assertEquals(sorted(workers), sorted(run.memberPids()), "the orphans live on");
        assertTrue(!PortCheck.isFree(port), "the orphans still hold the port");

        StopReport report = stopper.stop(run.process(), GRACE, KILL_TIMEOUT);

        assertTrue(report.converged(), report.toString());
        assertEquals(sorted(workers), sorted(report.termed()));
        assertEquals(List.of(), run.memberPids());
        assertEquals(java.util.Optional.empty(), PortCheck.awaitFree(port, Duration.ofSeconds(5)));
    }

    /**
     * Issue 13.3: a worker that left the session and ignores SIGTERM. The TERM ends its parent, which re-parents the
     * worker out of the tree (no longer in the group, the session or under any member); it was seen in the tree, so
     * it must still get the SIGKILL after the grace, be named, and be gone when the stop says it converged.
     */
    @Test
    void aWorkerThatLeftTheSessionAndIgnoresTermIsKilledAfterItsParentDies() throws Exception {
        Spawner.Run run = spawner.launch("sh", "-c", "setsid sh -c 'trap \"\" TERM; exec sleep 100' & wait");
        long worker = Spawner.await("the escaped sleep", () -> ProcessTree.members(run.process()),
                m -> m.stream().anyMatch(p -> p.comm().equals("sleep"))).stream()
                .filter(p -> p.comm().equals("sleep")).findFirst().orElseThrow().pid();
        try {
            assertEquals(worker, ProcessTable.get(worker).orElseThrow().sid(), "it leads a session of its own");

            StopReport report = stopper.stop(run.process(), Duration.ofMillis(300), KILL_TIMEOUT);

            assertEquals("SIGKILL", report.signal(), report.toString());
            assertTrue(report.termed().contains(worker), report.toString());
            assertTrue(report.survivorsKilled().contains(worker), report.toString());
            assertTrue(report.converged(), report.toString());
            assertTrue(ProcessTable.get(worker).filter(p -> !p.isZombie()).isEmpty(), "the worker is gone");
        } finally {
            Signals.kill(worker, Signals.SIGKILL);
        }
    }

    private static List<Long> sorted(List<Long> pids) {
        return pids.stream().sorted().toList();
    }

    private static String readOrEmpty(Path file) {
        try {
            return Files.readString(file);
        } catch (java.io.IOException e) {
            return "";
        }
    }
}
