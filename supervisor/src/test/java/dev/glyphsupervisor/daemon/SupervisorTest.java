package dev.glyphsupervisor.daemon;

import dev.glyphsupervisor.audit.AuditSink;
import dev.glyphsupervisor.core.CoreSettings;
import dev.glyphsupervisor.core.RuntimeControl;
import dev.glyphsupervisor.core.State;
import dev.glyphsupervisor.core.SupervisorStateMachine;
import dev.glyphsupervisor.metrics.MetricsSink;
import dev.glyphsupervisor.probes.ProbeResult;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import java.nio.file.Path;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The event loop with a fake runtime: the order in which what the runtime tells reaches the state machine. */
class SupervisorTest {

    private static final CoreSettings SETTINGS = new CoreSettings(Duration.ofMinutes(10), 2, Duration.ofSeconds(2),
            Duration.ofMinutes(5), Duration.ofMinutes(5), 5, Duration.ofMinutes(10));

    private final List<String> audit = new CopyOnWriteArrayList<>();
    private Supervisor supervisor;

    @TempDir
    Path dir;

    @AfterEach
    void close() {
        if (supervisor != null) {
            supervisor.close();
        }
    }

    /** A runtime whose launched command forks before launch() has even returned (a script that exits at once). */
    private final RuntimeControl forksAtOnce = new RuntimeControl() {
        @Override
        public long launch(long generation, Listener listener) {
            listener.forked(100, 120, List.of(120L, 121L), false);
            return 100;
        }

        @Override
        public StopOutcome stop(long generation, String reason) {
            return new StopOutcome(true, "gone");
        }

        @Override
        public void clearCaches(long generation) {
        }
    };

    @Test
    void whatTheLaunchToldBeforeItReturnedIsHandledAfterTheLaunch() throws Exception {
        AuditSink sink = (event, generation, fields) -> audit.add(event.wireName());
        supervisor = new Supervisor(new SupervisorStateMachine(SETTINGS, () -> 0.0), forksAtOnce, sink,
                Clock.systemUTC(), () -> List.of(ProbeResult.failure("http", "not yet", Duration.ZERO)),
                Duration.ofHours(1), Supervisor.MemoryCheck.NONE, MetricsSink.NONE, StateHistory.load(dir));

        supervisor.start(0, false);
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!audit.contains("runtime_forked") && System.nanoTime() < deadline) {
            Thread.sleep(5); // poll interval
        }
        // A task on the loop, queued behind every event the launch posted: when it has run, they have been handled.
        assertTrue(supervisor.loopAnswers(Duration.ofSeconds(10)));

        Supervisor.Snapshot s = supervisor.snapshot();
        assertEquals(State.STARTING, s.state());
        assertEquals(1, s.generation());
        assertEquals(120, s.pid(), "the forked main process, not the launched command that exited: " + audit);
        assertEquals(List.of("runtime_forked"), audit);
    }
}
