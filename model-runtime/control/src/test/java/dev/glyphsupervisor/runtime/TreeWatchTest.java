package dev.glyphsupervisor.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The Type=forking rule on real processes: what an exit of the main process means, judged against its tree. */
class TreeWatchTest {

    @RegisterExtension
    final Spawner spawner = new Spawner();
    private final BlockingQueue<String> told = new LinkedBlockingQueue<>();

    @BeforeAll
    static void becomeSubreaper() {
        assertTrue(Subreaper.enable(), "prctl(PR_SET_CHILD_SUBREAPER) refused here");
    }

    private final TreeWatch.Listener listener = new TreeWatch.Listener() {
        @Override
        public void forked(long exitedPid, ProcInfo main, List<ProcInfo> survivors, boolean holdsPort) {
            told.add("forked " + exitedPid + " " + main.pid() + " " + main.comm() + " " + survivors.size());
        }

        @Override
        public void exited(int exitCode) {
            told.add("exited " + exitCode);
        }
    };

    /** Launches the script and, once the launched command exits, judges the exit against its tree. */
    private Spawner.Run launchAndJudge(String script) throws Exception {
        Spawner.Run run = spawner.launch(new LaunchSpec(List.of("sh", "-c", script), null, Map.of(),
                spawner.dir().resolve("watch-" + System.nanoTime() + ".log"), 0, spawner.dir().toString()));
        TreeWatch.launchedCommandExited(run.process(), run.exit().get(10, TimeUnit.SECONDS), OptionalInt.empty(), listener);
        return run;
    }

    private String next() throws InterruptedException {
        String s = told.poll(10, TimeUnit.SECONDS);
        if (s == null) {
            throw new AssertionError("nothing told within 10 s");
        }
        return s;
    }

    /** The next thing told must be a fork at the exit of {@code exitedPid}: the main process chosen then. */
    private long nextForkOf(long exitedPid, String context) throws InterruptedException {
        String forked = next();
        assertTrue(forked.startsWith("forked " + exitedPid + " "), context + forked);
        return Long.parseLong(forked.split(" ")[2]);
    }

    @Test
    void exitZeroLeavingTheServerRunningIsAForkAndItsDeathTheEnd() throws Exception {
        Spawner.Run run = launchAndJudge("sleep 100 & exit 0");
        long main = nextForkOf(run.process().pid(), "");
        assertEquals(ProcessHandle.current().pid(), ProcessTable.get(main).orElseThrow().ppid(), "an orphan of ours");

        Instant killed = Instant.now();
        Signals.kill(main, Signals.SIGKILL);
        assertEquals("exited 137", next(), "the status of the main process, reaped by us");
        assertTrue(java.time.Duration.between(killed, Instant.now()).toMillis() < 2000, "noticed at once");
        assertFalse(ProcessTable.get(main).isPresent(), "and collected");
    }

    @Test
    void aLauncherOfALauncherForksTwice() throws Exception {
        Spawner.Run run = launchAndJudge("sh -c 'sleep 0.3; sleep 100 & exit 0' & exit 0");
        long launcher = nextForkOf(run.process().pid(), "");
        long server = nextForkOf(launcher, "the second launcher exited 0 too: ");
        // Chosen maybe before its exec (a forked shell is "sh" until then): the same process, then "sleep".
        Spawner.await("the main process to be the sleep", () -> ProcessTable.get(server).map(ProcInfo::comm),
                c -> c.equals(java.util.Optional.of("sleep")));
        Signals.kill(server, Signals.SIGTERM);
        assertEquals("exited 143", next());
    }

    /**
     * A double fork into a new session, judged at once: the server may be caught between two execs (setsid, nohup,
     * sleep), when its environment reads empty and only being our orphan ties it to the tree. Never missed.
     */
    @Test
    void aDoubleForkIntoANewSessionIsNeverMissed() throws Exception {
        for (int i = 0; i < 30; i++) {
            Spawner.Run run = launchAndJudge("( setsid nohup sleep 100 > /dev/null 2>&1 & ); exit 0");
            Signals.kill(nextForkOf(run.process().pid(), "launch " + i + ": "), Signals.SIGKILL);
            assertEquals("exited 137", next(), "launch " + i);
        }
    }

    @Test
    void aFailedExitWithSurvivorsIsTheServersDeath() throws Exception {
        launchAndJudge("sleep 100 & exit 3");
        assertEquals("exited 3", next());
    }

    @Test
    void exitZeroWithNothingLeftIsAnExit() throws Exception {
        launchAndJudge("exit 0");
        assertEquals("exited 0", next());
    }

    @Test
    void theMainProcessIsTheTopOfTheTreeThatHoldsThePortElseTheFirstStarted() {
        List<ProcInfo> survivors = List.of(
                new ProcInfo(150, 1, 150, 150, 'S', 9, "helper"),
                new ProcInfo(160, 1, 100, 100, 'S', 12, "python3"),
                new ProcInfo(161, 160, 100, 100, 'S', 13, "worker"));
        assertEquals(new TreeWatch.Choice(survivors.get(1), true), TreeWatch.choose(survivors, 161L));
        assertEquals(new TreeWatch.Choice(survivors.get(0), false), TreeWatch.choose(survivors, -1L));
        assertEquals(new TreeWatch.Choice(survivors.get(0), false), TreeWatch.choose(survivors, 4242L));
    }
}
