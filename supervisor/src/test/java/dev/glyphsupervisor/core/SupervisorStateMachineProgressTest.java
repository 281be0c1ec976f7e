package dev.glyphsupervisor.core;

import dev.glyphsupervisor.probes.ProbeResult;
import dev.glyphsupervisor.probes.inference.InferenceResult;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The progress and inference probes' verdicts in the state machine, on a fake clock. */
class SupervisorStateMachineProgressTest {

    private static final Duration STALL_AFTER = Duration.ofSeconds(10);

    private Instant now = Instant.parse("2026-12-06T12:00:00Z");
    private final List<Action> log = new ArrayList<>();
    private SupervisorStateMachine machine = machine(3, false);
    private final ProgressWatch watch = new ProgressWatch(STALL_AFTER, false);

    private static SupervisorStateMachine machine(int inferenceThreshold, boolean restartOnSlow) {
        return new SupervisorStateMachine(new CoreSettings(Duration.ofMinutes(10), 2, Duration.ofSeconds(2),
                Duration.ofMinutes(5), Duration.ofMinutes(5), 5, Duration.ofMinutes(10), Duration.ofHours(1),
                FailureCauses.DEFAULT, 2, inferenceThreshold, restartOnSlow), () -> 0.0);
    }

    private List<Action> send(Event e) {
        List<Action> actions = machine.handle(e, now);
        log.addAll(actions);
        return actions;
    }

    private void startHealthy() {
        send(new Event.Start());
        send(new Event.Launched(machine.generation(), 100));
        send(new Event.ProbeCycle(machine.generation(), ProbePhase.STARTUP, List.of(ok())));
        assertEquals(State.RUNNING, machine.state());
    }

    private static ProbeResult ok() {
        return ProbeResult.success("http", "ok", Duration.ofMillis(2));
    }

    /** One liveness cycle: /health green, and the progress reading of {@code pending}/{@code counter}. */
    private List<Action> cycle(double pending, double counter) {
        ProgressWatch.Reading reading = watch.observe(machine.generation(),
                new ProgressWatch.Observation.Sample(pending, counter), now);
        return send(new Event.ProbeCycle(machine.generation(), ProbePhase.LIVENESS, List.of(ok()), null, null, null,
                reading));
    }

    private List<Action> cycleFailed(String why) {
        ProgressWatch.Reading reading = watch.observe(machine.generation(),
                new ProgressWatch.Observation.Failed(false, why), now);
        return send(new Event.ProbeCycle(machine.generation(), ProbePhase.LIVENESS, List.of(ok()), null, null, null,
                reading));
    }

    private static List<String> events(List<Action> actions) {
        return actions.stream().filter(a -> a instanceof Action.Audit || a instanceof Action.RestartDecided)
                .map(a -> (a instanceof Action.RestartDecided r ? r.audit() : (Action.Audit) a).event().wireName()).toList();
    }

    private static Action.RestartDecided restart(List<Action> actions) {
        return actions.stream().filter(Action.RestartDecided.class::isInstance).map(Action.RestartDecided.class::cast)
                .findFirst().orElseThrow(() -> new AssertionError("no restart in " + actions));
    }

    @Test
    void aHungEngineWithAGreenHealthIsRestartedAsStalledWithTheValuesBehindIt() {
        startHealthy();
        cycle(0, 10);
        // Work arrives at second 1 and the counter never moves again: stalled 10 s later, at second 11.
        for (int i = 1; i <= 11; i++) {
            now = now.plusSeconds(1);
            List<Action> a = cycle(4, 10);
            if (i < 11) {
                assertTrue(a.isEmpty(), "second " + i + ": " + a);
            } else {
                Action.RestartDecided r = restart(a);
                assertEquals(SupervisorStateMachine.STALLED, r.reason());
                assertEquals(4.0, r.audit().fields().get("pending"));
                assertEquals(10.0, r.audit().fields().get("counter"));
                assertEquals(10.0, r.audit().fields().get("stalled_for_s"));
                assertEquals(10.0, r.audit().fields().get("stall_after_s"));
                assertTrue(a.stream().anyMatch(x -> x instanceof Action.Stop s && s.reason().equals("stalled")), a.toString());
            }
        }
        assertEquals(State.STOPPING, machine.state());
    }

    @Test
    void idleOrProgressingServersAreLeftAlone() {
        startHealthy();
        double counter = 0;
        for (int i = 0; i < 300; i++) {
            now = now.plusSeconds(1);
            counter += i % 3 == 0 ? 5 : 0; // a step every 3 s while busy
            assertTrue(cycle(i < 150 ? 0 : 2, counter).isEmpty());
        }
        assertEquals(State.RUNNING, machine.state());
    }

    @Test
    void unreadableMetricsAreOneRecordWhenItStartsAndOneWhenItEndsNeverARestart() {
        startHealthy();
        List<String> seen = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            now = now.plusSeconds(1);
            seen.addAll(events(cycleFailed("status 404 from http://127.0.0.1:8000/metrics")));
        }
        assertEquals(List.of("progress_unknown"), seen);
        now = now.plusSeconds(1);
        assertEquals(List.of("progress_known"), events(cycle(0, 5)));
        assertEquals(State.RUNNING, machine.state());
    }

    @Test
    void aCounterResetIsRecordedAndRestartsNothing() {
        startHealthy();
        cycle(1, 900);
        now = now.plusSeconds(1);
        assertEquals(List.of("progress_reset"), events(cycle(1, 2)));
        now = now.plusSeconds(1);
        assertTrue(cycle(1, 3).isEmpty());
        assertEquals(State.RUNNING, machine.state());
    }

    private static InferenceResult answer(InferenceResult.Verdict verdict, long ms) {
        return new InferenceResult(verdict, verdict + " answer", Duration.ofMillis(ms),
                verdict == InferenceResult.Verdict.FAILED ? OptionalInt.of(500) : OptionalInt.of(200));
    }

    @Test
    void inferenceFailuresRestartAtTheThresholdAndAnAnswerInBetweenResetsTheCount() {
        startHealthy();
        send(new Event.InferenceDone(1, answer(InferenceResult.Verdict.FAILED, 12)));
        send(new Event.InferenceDone(1, answer(InferenceResult.Verdict.FAILED, 12)));
        assertEquals(2, machine.inferenceFailures());
        assertEquals(List.of("inference_recovered"), events(send(new Event.InferenceDone(1,
                answer(InferenceResult.Verdict.OK, 30)))));
        assertEquals(0, machine.inferenceFailures());
        send(new Event.InferenceDone(1, answer(InferenceResult.Verdict.FAILED, 12)));
        send(new Event.InferenceDone(1, answer(InferenceResult.Verdict.FAILED, 12)));
        List<Action> third = send(new Event.InferenceDone(1, answer(InferenceResult.Verdict.FAILED, 12)));
        assertEquals(List.of("inference_failed", "restart_decided"), events(third));
        Action.RestartDecided r = restart(third);
        assertEquals("inference_failed", r.reason());
        assertEquals(3, r.audit().fields().get("failures"));
        assertEquals(500, r.audit().fields().get("status"));
        assertEquals(State.STOPPING, machine.state());
    }

    @Test
    void aSlowAnswerIsReportedNotHeldAgainstTheServerUnlessConfigured() {
        startHealthy();
        for (int i = 0; i < 10; i++) {
            List<Action> a = send(new Event.InferenceDone(1, answer(InferenceResult.Verdict.SLOW, 9000)));
            assertEquals(List.of("inference_slow"), events(a));
        }
        assertEquals(State.RUNNING, machine.state());

        machine = machine(2, true);
        startHealthy();
        send(new Event.InferenceDone(1, answer(InferenceResult.Verdict.SLOW, 9000)));
        List<Action> second = send(new Event.InferenceDone(1, answer(InferenceResult.Verdict.SLOW, 9000)));
        assertEquals("inference_slow", restart(second).reason());
    }

    @Test
    void anAnswerOfAnOlderGenerationOrDuringAStopIsDropped() {
        startHealthy();
        assertTrue(send(new Event.InferenceDone(0, answer(InferenceResult.Verdict.FAILED, 1))).isEmpty());
        send(new Event.OperatorRestart("test", "root"));
        assertFalse(machine.state() == State.RUNNING);
        assertTrue(send(new Event.InferenceDone(1, answer(InferenceResult.Verdict.FAILED, 1))).isEmpty());
    }

    @Test
    void aNewLaunchStartsTheInferenceCountAgain() {
        startHealthy();
        send(new Event.InferenceDone(1, answer(InferenceResult.Verdict.FAILED, 12)));
        assertEquals(1, machine.inferenceFailures());
        send(new Event.OperatorRestart("test", "root"));
        List<Action> stopped = send(new Event.Stopped(1, true, "stopped"));
        assertTrue(stopped.contains(new Action.Launch(2)), stopped.toString());
        send(new Event.Launched(2, 200));
        assertEquals(0, machine.inferenceFailures());
    }
}
