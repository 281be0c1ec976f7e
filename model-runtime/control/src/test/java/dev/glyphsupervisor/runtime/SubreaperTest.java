package dev.glyphsupervisor.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * This JVM as a child subreaper: an orphan of a launched tree is re-parented to it (not to init), and once dead is
 * collected by {@link Subreaper#reap} with its exit status, while the launched command's own status stays Java's.
 */
class SubreaperTest {

    @RegisterExtension
    final Spawner spawner = new Spawner();
    private static final long SELF = ProcessHandle.current().pid();

    @BeforeAll
    static void becomeSubreaper() {
        assertTrue(Subreaper.enable(), "prctl(PR_SET_CHILD_SUBREAPER) refused here");
    }

    @Test
    void anOrphanIsReparentedToUsAndReapedWithItsStatus() throws Exception {
        Spawner.Run run = spawner.launch(new LaunchSpec(List.of("sh", "-c", "setsid sleep 100 & exit 0"), null,
                Map.of(), spawner.dir().resolve("orphan.log"), 0, spawner.dir().toString()));
        assertEquals(0, run.exit().get(10, TimeUnit.SECONDS), "the launched command's status is still Java's");
        ProcInfo orphan = Spawner.await("the orphaned sleep", () -> ProcessTree.members(run.process()),
                m -> m.size() == 1 && m.get(0).comm().equals("sleep")).get(0);
        assertEquals(SELF, orphan.ppid(), "re-parented to this JVM, not to init");

        Signals.kill(orphan.pid(), Signals.SIGKILL);
        // A zombie of ours, or gone already where an earlier test in this JVM started the reaper thread.
        Spawner.await("the orphan a zombie of ours", () -> ProcessTable.get(orphan.pid()).map(ProcInfo::isZombie),
                z -> z.orElse(true));
        Subreaper.reap();

        assertEquals(java.util.Optional.empty(), ProcessTable.get(orphan.pid()), "collected");
        assertEquals(OptionalInt.of(128 + Signals.SIGKILL), Subreaper.exitStatus(orphan.pid(), orphan.startTicks()));
    }

    @Test
    void theLaunchedCommandIsNeverTakenFromJava() throws Exception {
        for (int i = 0; i < 20; i++) {
            Spawner.Run run = spawner.launch("sh", "-c", "exit 7");
            Subreaper.reap();
            assertEquals(7, run.exit().get(10, TimeUnit.SECONDS));
        }
    }

    /** The reaper thread collects an orphan as it dies, with no call of reap(), and keeps its status. */
    @Test
    void theReaperThreadCollectsAnOrphanWithinASecondOfItsDeath() throws Exception {
        Subreaper.start();
        Spawner.Run run = spawner.launch(new LaunchSpec(List.of("sh", "-c", "setsid sleep 100 & exit 0"), null,
                Map.of(), spawner.dir().resolve("orphan.log"), 0, spawner.dir().toString()));
        assertEquals(0, run.exit().get(10, TimeUnit.SECONDS));
        ProcInfo orphan = Spawner.await("the orphaned sleep", () -> ProcessTree.members(run.process()),
                m -> m.size() == 1 && m.get(0).comm().equals("sleep")).get(0);

        long killed = System.nanoTime();
        Signals.kill(orphan.pid(), Signals.SIGTERM);
        Spawner.await("the orphan collected", () -> ProcessTable.get(orphan.pid()), java.util.Optional::isEmpty);
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killed);

        assertTrue(ms < 1000, "collected " + ms + " ms after its death");
        assertEquals(OptionalInt.of(128 + Signals.SIGTERM), Subreaper.exitStatus(orphan.pid(), orphan.startTicks()));
    }

    /**
     * While the thread runs: a launched command's status (3) is Java's, though orphans of it die at the same time;
     * a child this JVM started itself, outside the launcher (in the JVM's own session), is Java's too.
     */
    @Test
    void theReaperThreadNeverTakesAStatusThatIsJavas() throws Exception {
        Subreaper.start();
        for (int i = 0; i < 30; i++) {
            Spawner.Run run = spawner.launch("sh", "-c", "(sleep 0.01 &); (setsid sleep 0.01 &); exit 3");
            assertEquals(3, run.exit().get(10, TimeUnit.SECONDS), "launch " + i);
            Process own = new ProcessBuilder("sh", "-c", "exit 5").start();
            assertTrue(own.waitFor(10, TimeUnit.SECONDS));
            assertEquals(5, own.exitValue(), "a child of this JVM's own, round " + i);
        }
        Spawner.await("no zombie of ours left", () -> ProcessTable.snapshot().stream()
                .filter(p -> p.ppid() == SELF && p.isZombie()).toList(), List::isEmpty);
    }

    /**
     * The orphan of a child this JVM started itself (so in this JVM's session, as Java's own children are): left to
     * Java for a while, then collected all the same, since Java does not wait for it.
     */
    @Test
    void anOrphanInOurOwnSessionIsCollectedOnceJavaHasClearlyLeftIt() throws Exception {
        Subreaper.start();
        Process own = new ProcessBuilder("sh", "-c", "(sleep 0.2 &); exit 0").start();
        assertTrue(own.waitFor(10, TimeUnit.SECONDS));
        assertEquals(0, own.exitValue());
        ProcInfo orphan = Spawner.await("the orphaned sleep, a zombie of ours", () -> ProcessTable.snapshot().stream()
                .filter(p -> p.ppid() == SELF && p.comm().equals("sleep") && p.isZombie()).findFirst(),
                java.util.Optional::isPresent).orElseThrow();

        Spawner.await("the orphan collected", () -> ProcessTable.get(orphan.pid()), java.util.Optional::isEmpty);
        assertEquals(OptionalInt.of(0), Subreaper.exitStatus(orphan.pid(), orphan.startTicks()));
    }

    @Test
    void exitCodesFollowJavasConvention() {
        assertEquals(0, Subreaper.javaExitCode(0));
        assertEquals(3, Subreaper.javaExitCode(3 << 8));
        assertEquals(137, Subreaper.javaExitCode(9));
        assertEquals(143, Subreaper.javaExitCode(15 | 0x80)); // core dump bit
    }
}
