package dev.glyphsupervisor.daemon;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glyphsupervisor.core.CoreSettings;
import dev.glyphsupervisor.core.SupervisorStateMachine;
import dev.glyphsupervisor.metrics.MetricsSink;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import java.nio.file.Path;

/**
 * The watchdog's liveness question on a real event loop. The loop is made to stick the way a real one would, in
 * the middle of an action (here a launch that does not return), and the question must be answered "no" at once,
 * not after the age of the last heartbeat has run out: judged by age, a stuck loop kept the systemd watchdog fed
 * for up to two more ping intervals.
 */
class LoopHeartbeatTest {

    private static final CoreSettings SETTINGS = new CoreSettings(Duration.ofMinutes(1), 2, Duration.ofSeconds(1),
            Duration.ofSeconds(10), Duration.ofMinutes(1), 5, Duration.ofMinutes(10));

    @TempDir
    Path dir;

    @Test
    void aStuckLoopFailsTheNextQuestionAndAFreeOneAnswersAgain() throws Exception {
        StuckLaunch runtime = new StuckLaunch();
        Supervisor supervisor = new Supervisor(new SupervisorStateMachine(SETTINGS, () -> 0.5), runtime,
                (event, generation, fields) -> { }, Clock.systemUTC(), List::of, Duration.ofSeconds(1),
                Supervisor.MemoryCheck.NONE, MetricsSink.NONE, StateHistory.load(dir));
        try {
            assertTrue(supervisor.loopAnswers(Duration.ofSeconds(10)), "an idle loop answers");

            supervisor.start(0, false);
            assertTrue(runtime.entered.await(10, TimeUnit.SECONDS), "the launch did not start");
            // The loop answered a moment ago; stuck now, it must not answer, however recent its last heartbeat.
            assertFalse(supervisor.loopAnswers(Duration.ofMillis(200)));
            assertFalse(supervisor.loopAnswers(Duration.ofMillis(200)));

            runtime.release.countDown();
            assertTrue(supervisor.loopAnswers(Duration.ofSeconds(10)), "the loop is free again");
        } finally {
            runtime.release.countDown();
            supervisor.close();
        }
    }
}
