package dev.glyphsupervisor.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glyphsupervisor.core.CoreSettings;
import dev.glyphsupervisor.core.RuntimeControl;
import dev.glyphsupervisor.core.State;
import dev.glyphsupervisor.core.SupervisorStateMachine;
import dev.glyphsupervisor.metrics.Health;
import dev.glyphsupervisor.metrics.MetricsSink;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The stack's answers to /livez and /readyz on real event loops: one loop stuck in a launch is named, within the
 * bound, while the other still answers; readiness is RUNNING or DEGRADED and never while the daemon stops.
 */
class StackHealthTest {

    private static final CoreSettings SETTINGS = new CoreSettings(Duration.ofMinutes(1), 2, Duration.ofSeconds(1),
            Duration.ofSeconds(10), Duration.ofMinutes(1), 5, Duration.ofMinutes(10));

    @TempDir
    Path dir;

    private Supervisor supervisor(RuntimeControl runtime, String name) {
        return new Supervisor(new SupervisorStateMachine(SETTINGS, () -> 0.5), runtime, (event, generation, fields) -> { },
                Clock.systemUTC(), List::of, Duration.ofSeconds(1), Supervisor.MemoryCheck.NONE, MetricsSink.NONE,
                StateHistory.load(dir.resolve(name)));
    }

    @Test
    void aStuckLoopIsNamedWithinTheBoundAndTheOthersAnswer() throws Exception {
        StuckLaunch stuck = new StuckLaunch();
        StuckLaunch free = new StuckLaunch();
        free.release.countDown();
        Map<String, Supervisor> servers = new LinkedHashMap<>();
        servers.put("vllm", supervisor(stuck, "vllm"));
        servers.put("demo", supervisor(free, "demo"));
        Stack stack = new Stack(servers, Map.of("vllm", List.of(), "demo", List.of("vllm")));
        StackHealth health = new StackHealth(stack, Duration.ofMillis(300));
        try {
            assertEquals(List.of(), health.stuckLoops(), "idle loops answer");
            assertEquals(List.of(new Health.Server("vllm", "STOPPED", false), new Health.Server("demo", "STOPPED", false)),
                    health.servers(), "nothing launched: nothing ready, in start order");

            servers.get("vllm").start(0, false);
            assertTrue(stuck.entered.await(10, TimeUnit.SECONDS), "the launch did not start");
            long t0 = System.nanoTime();
            assertEquals(List.of("vllm"), health.stuckLoops());
            long tookMs = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(tookMs >= 250 && tookMs < 2_000, "the question took " + tookMs + " ms for a 300 ms bound");
            assertFalse(stack.loopsAnswer(Duration.ofMillis(100)), "the watchdog asks the same question");

            stuck.release.countDown();
            assertEquals(List.of(), new StackHealth(stack, Duration.ofSeconds(10)).stuckLoops(), "the loop is free again");
        } finally {
            stuck.release.countDown();
            stack.close();
        }
        assertEquals(List.of("vllm", "demo"), health.stuckLoops(), "closed loops answer nothing");
    }

    @Test
    void readyMeansRunningOrDegradedAndNeverWhileTheDaemonStops() {
        for (State state : State.values()) {
            boolean serves = EnumSet.of(State.RUNNING, State.DEGRADED).contains(state);
            assertEquals(serves, StackHealth.ready(state, false), state.name());
            assertFalse(StackHealth.ready(state, true), state + " while the daemon stops");
        }
    }
}
