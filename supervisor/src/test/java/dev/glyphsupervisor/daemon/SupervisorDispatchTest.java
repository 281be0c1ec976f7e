package dev.glyphsupervisor.daemon;

import dev.glyphsupervisor.core.Action;
import dev.glyphsupervisor.core.CoreSettings;
import dev.glyphsupervisor.core.RuntimeControl;
import dev.glyphsupervisor.core.SealedLeaves;
import dev.glyphsupervisor.core.SupervisorStateMachine;
import dev.glyphsupervisor.metrics.MetricsSink;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * Java 17 lets a new {@link Action} compile without anyone carrying it out; this makes it fail instead. The event
 * loop's dispatch table must name every concrete action type, and nothing else.
 */
class SupervisorDispatchTest {

    private static final CoreSettings SETTINGS = new CoreSettings(Duration.ofMinutes(1), 2, Duration.ofSeconds(1),
            Duration.ofSeconds(10), Duration.ofMinutes(1), 5, Duration.ofMinutes(10));

    @TempDir
    Path dir;

    @Test
    void everyActionTypeIsCarriedOut() {
        RuntimeControl idle = new RuntimeControl() {
            @Override
            public long launch(long generation, Listener listener) {
                return 1;
            }

            @Override
            public StopOutcome stop(long generation, String reason) {
                return new StopOutcome(true, "");
            }

            @Override
            public void clearCaches(long generation) {
            }
        };
        Supervisor supervisor = new Supervisor(new SupervisorStateMachine(SETTINGS, () -> 0.0), idle,
                (event, generation, fields) -> { }, Clock.systemUTC(), List::of, Duration.ofSeconds(1),
                Supervisor.MemoryCheck.NONE, MetricsSink.NONE, StateHistory.load(dir));
        try {
            Set<Class<?>> actions = SealedLeaves.of(Action.class);
            assertFalse(actions.isEmpty());
            assertEquals(actions, Set.copyOf(supervisor.handledActions()));
        } finally {
            supervisor.close();
        }
    }
}
