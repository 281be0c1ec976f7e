package dev.glyphsupervisor.core;

import dev.glyphsupervisor.probes.ProbeResult;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Why did it not start, in the state machine, on a fake clock: what the failure records carry, and a cause no retry
 * can fix going FAILED after a few identical failures instead of the whole crash-loop budget.
 */
class StartFailureCausesTest {

    private static final CoreSettings SETTINGS = new CoreSettings(
            Duration.ofMinutes(10), 2,
            Duration.ofSeconds(2), Duration.ofMinutes(5), Duration.ofMinutes(5),
            5, Duration.ofMinutes(10));

    private static final List<String> NO_GRADIO = List.of(
            "Traceback (most recent call last):",
            "  File \"/root/glyph/app.py\", line 3, in <module>",
            "    import gradio",
            "ModuleNotFoundError: No module named 'gradio'");
    private static final List<String> CUDA_OOM = List.of(
            "Loading checkpoint shards:  50% 1/2",
            "torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 224.00 MiB. GPU 0 has a total capacity of 79.10 GiB");

    private Instant now = Instant.parse("2026-11-26T12:00:00Z");
    private SupervisorStateMachine machine = new SupervisorStateMachine(SETTINGS, () -> 0.0);

    private static CoreSettings with(FailureCauses causes, int hopelessAfter) {
        return new CoreSettings(SETTINGS.startupTimeout(), SETTINGS.failureThreshold(), SETTINGS.backoffInitial(),
                SETTINGS.backoffMax(), SETTINGS.backoffReset(), SETTINGS.crashLoopMaxRestarts(), SETTINGS.crashLoopWindow(),
                SETTINGS.maintenanceSkipWithin(), causes, hopelessAfter);
    }

    private List<Action> send(Event e) {
        return machine.handle(e, now);
    }

    private void advance(Duration d) {
        now = now.plus(d);
    }

    /** The records the actions write, a restart decision's included. */
    private static List<Action.Audit> records(List<Action> actions) {
        return actions.stream().filter(a -> a instanceof Action.Audit || a instanceof Action.RestartDecided)
                .map(a -> a instanceof Action.RestartDecided r ? r.audit() : (Action.Audit) a).toList();
    }

    private static List<String> audits(List<Action> actions) {
        return records(actions).stream().map(a -> a.event().wireName()).toList();
    }

    private static Action.Audit audit(List<Action> actions, String event) {
        return records(actions).stream().filter(a -> a.event().wireName().equals(event)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + event + " in " + actions));
    }

    private static List<Action.StartFailed> counted(List<Action> actions) {
        return actions.stream().filter(a -> a instanceof Action.StartFailed).map(a -> (Action.StartFailed) a).toList();
    }

    /** Launches the current generation (Start first if nothing ran yet). */
    private void launch() {
        if (machine.generation() == 0) {
            send(new Event.Start());
        }
        send(new Event.Launched(machine.generation(), 100 + machine.generation()));
        advance(Duration.ofSeconds(1));
    }

    /**
     * The current launch exits 1 having written {@code lines}, and is stopped; a backoff is waited out, so that the
     * next generation is launching when this returns, unless the machine went FAILED. Returns the actions of all three.
     */
    private List<Action> failsWith(List<String> lines) {
        launch();
        long gen = machine.generation();
        List<Action> all = new ArrayList<>(send(new Event.Exited(gen, 1, new OutputTail(lines))));
        List<Action> stopped = send(new Event.Stopped(gen, true, "tree gone"));
        all.addAll(stopped);
        all.addAll(waitOutTheBackoff(stopped));
        return all;
    }

    /** When {@code stopped} (the actions of a Stopped) scheduled a backoff, moves time to its end and relaunches. */
    private List<Action> waitOutTheBackoff(List<Action> stopped) {
        if (machine.state() != State.BACKOFF) {
            return List.of();
        }
        Action.Schedule relaunch = (Action.Schedule) stopped.get(stopped.size() - 1);
        now = relaunch.at();
        return send(relaunch.event());
    }

    private void healthy() {
        send(new Event.ProbeCycle(machine.generation(), ProbePhase.STARTUP,
                List.of(ProbeResult.success("http", "200", Duration.ofMillis(2)))));
    }

    @Test
    void anExitBeforeTheFirstHealthyAnswerCarriesItsCauseDecisiveLineAndLastLines() {
        launch();
        List<Action> a = send(new Event.Exited(1, 1, new OutputTail(NO_GRADIO)));
        Action.Audit exited = audit(a, "runtime_exited");
        assertEquals(1, exited.fields().get("exit_code"));
        assertEquals("missing_module", exited.fields().get("cause"));
        assertEquals("ModuleNotFoundError: No module named 'gradio'", exited.fields().get("cause_line"));
        assertEquals(NO_GRADIO, exited.fields().get("log_tail"));
        Action.Audit decided = audit(a, "restart_decided");
        assertEquals("missing_module", decided.fields().get("cause"));
        assertEquals("ModuleNotFoundError: No module named 'gradio'", decided.fields().get("cause_line"));
        assertFalse(decided.fields().containsKey("log_tail"), "the lines once, in runtime_exited");
        assertEquals(List.of(new Action.StartFailed(1, "missing_module")), counted(a));
    }

    @Test
    void aStartupTimeoutCarriesTheCauseOfWhatTheLaunchWrote() {
        launch();
        advance(Duration.ofMinutes(10));
        List<Action> a = send(new Event.StartupDeadline(1, new OutputTail(CUDA_OOM)));
        Action.Audit decided = audit(a, "restart_decided");
        assertEquals("startup_timeout", decided.fields().get("reason"));
        assertEquals("gpu_out_of_memory", decided.fields().get("cause"));
        assertEquals(CUDA_OOM.get(1), decided.fields().get("cause_line"));
        assertEquals(CUDA_OOM, decided.fields().get("log_tail"));
        assertEquals(List.of(new Action.StartFailed(1, "gpu_out_of_memory")), counted(a));
        assertEquals("startup_timeout", machine.lastFailure().reason());
        assertNull(machine.lastFailure().exitCode());
    }

    @Test
    void twoIdenticalFailuresThatNoRetryCanFixGoFailedWithTheSlowRetry() {
        List<Action> first = failsWith(NO_GRADIO);
        assertEquals(State.STARTING, machine.state(), "the first one is retried: it may have been a fluke");
        assertTrue(audits(first).stream().noneMatch(e -> e.equals("hopeless_cause")));

        List<Action> second = failsWith(NO_GRADIO);
        assertEquals(State.FAILED, machine.state(), "after 2, not after crash_loop.max_restarts (5)");
        Action.Audit gaveUp = audit(second, "hopeless_cause");
        assertEquals("missing_module", gaveUp.fields().get("cause"));
        assertEquals("ModuleNotFoundError: No module named 'gradio'", gaveUp.fields().get("cause_line"));
        assertEquals(NO_GRADIO, gaveUp.fields().get("log_tail"));
        assertEquals(2, gaveUp.fields().get("identical_failures"));
        assertEquals(2, gaveUp.fields().get("hopeless_after"));
        assertEquals(300_000L, gaveUp.fields().get("retry_in_ms"));
        assertFalse(audits(second).contains("crash_loop"));
        Action.Schedule retry = (Action.Schedule) second.get(second.size() - 1);
        assertEquals(now.plus(Duration.ofMinutes(5)), retry.at(), "the slow retry every backoff_max stays");

        FailureReport report = machine.lastFailure();
        assertEquals("exited", report.reason());
        assertTrue(report.beforeHealthy());
        assertEquals(1, report.exitCode());
        assertEquals("missing_module", report.diagnosis().cause());
        assertEquals(2, report.identicalFailures());
        assertTrue(report.hopeless());
    }

    @Test
    void theSlowRetryOfAScriptFixedOnDiskBecomesHealthyAndTheFailureIsForgotten() {
        failsWith(NO_GRADIO);
        List<Action> second = failsWith(NO_GRADIO);
        Action.Schedule retry = (Action.Schedule) second.get(second.size() - 1);
        now = retry.at();
        long gen = machine.generation();
        assertEquals(List.of(new Action.Launch(gen + 1)), send(retry.event()));
        launch();
        healthy();
        assertEquals(State.RUNNING, machine.state());
        assertNull(machine.lastFailure(), "healthy again: nothing to explain");
    }

    @Test
    void aSlowRetryThatFailsTheSameWayIsFailedAgainAtOnce() {
        failsWith(NO_GRADIO);
        List<Action> second = failsWith(NO_GRADIO);
        now = ((Action.Schedule) second.get(second.size() - 1)).at();
        send(((Action.Schedule) second.get(second.size() - 1)).event());
        List<Action> third = failsWith(NO_GRADIO);
        assertEquals(State.FAILED, machine.state());
        assertEquals(3, audit(third, "hopeless_cause").fields().get("identical_failures"));
        assertEquals(now.plus(Duration.ofMinutes(5)), ((Action.Schedule) third.get(third.size() - 1)).at());
    }

    @Test
    void anotherFailureInBetweenStartsTheCountAgain() {
        List<String> noVllm = List.of("ModuleNotFoundError: No module named 'vllm'");
        failsWith(NO_GRADIO);
        failsWith(noVllm);
        assertEquals(State.STARTING, machine.state(), "another module missing is progress, not the same failure");
        assertEquals(1, machine.lastFailure().identicalFailures());
        failsWith(noVllm);
        assertEquals(State.FAILED, machine.state());
    }

    @Test
    void aStartupTimeoutInBetweenStartsTheCountAgain() {
        failsWith(NO_GRADIO);
        launch();
        advance(Duration.ofMinutes(10));
        long gen = machine.generation();
        send(new Event.StartupDeadline(gen, new OutputTail(NO_GRADIO)));
        waitOutTheBackoff(send(new Event.Stopped(gen, true, "")));
        List<Action> a = failsWith(NO_GRADIO);
        assertTrue(audits(a).stream().noneMatch(e -> e.equals("hopeless_cause")), "a timeout is not an identical exit: " + a);
    }

    @Test
    void causesARetryCanFixUseTheWholeCrashLoopBudgetAndTheCrashLoopRecordSaysWhy() {
        for (int i = 0; i < 5; i++) {
            failsWith(CUDA_OOM);
            assertEquals(State.STARTING, machine.state(), "failure " + (i + 1));
        }
        List<Action> sixth = failsWith(CUDA_OOM);
        assertEquals(State.FAILED, machine.state());
        Action.Audit loop = audit(sixth, "crash_loop");
        assertEquals("gpu_out_of_memory", loop.fields().get("cause"));
        assertEquals(CUDA_OOM.get(1), loop.fields().get("cause_line"));
        assertEquals(CUDA_OOM, loop.fields().get("log_tail"));
        assertEquals(6, machine.lastFailure().identicalFailures());
        assertFalse(machine.lastFailure().hopeless());
    }

    @Test
    void howManyIdenticalFailuresAreEnoughIsConfigurable() {
        machine = new SupervisorStateMachine(with(FailureCauses.DEFAULT, 3), () -> 0.0);
        failsWith(NO_GRADIO);
        failsWith(NO_GRADIO);
        assertEquals(State.STARTING, machine.state());
        List<Action> third = failsWith(NO_GRADIO);
        assertEquals(State.FAILED, machine.state());
        assertEquals(3, audit(third, "hopeless_cause").fields().get("hopeless_after"));
    }

    @Test
    void theUsersTableMayMakeACauseHopeless() {
        machine = new SupervisorStateMachine(with(new FailureCauses(List.of(
                new FailureCause("gpu_out_of_memory", Pattern.compile("CUDA out of memory"), false))), 2), () -> 0.0);
        failsWith(CUDA_OOM);
        failsWith(CUDA_OOM);
        assertEquals(State.FAILED, machine.state());
    }

    @Test
    void anExitAfterTheServerWasHealthyCarriesItsCauseButIsNoStartFailure() {
        launch();
        healthy();
        List<Action> a = send(new Event.Exited(1, 1, new OutputTail(NO_GRADIO)));
        assertEquals("missing_module", audit(a, "runtime_exited").fields().get("cause"));
        assertEquals(List.of(), counted(a));
        assertFalse(machine.lastFailure().beforeHealthy());
        send(new Event.Stopped(1, true, ""));
        List<Action> next = failsWith(NO_GRADIO);
        assertTrue(audits(next).stream().noneMatch(e -> e.equals("hopeless_cause")),
                "only failures before a first healthy answer are counted: " + next);
    }

    @Test
    void theCrashLoopOfAnUnhealthyServerCarriesWhatItWroteReadAfterTheStop() {
        List<Action> last = List.of();
        for (int i = 0; i < 6; i++) {
            launch();
            healthy();
            long gen = machine.generation();
            for (int f = 0; f < 2; f++) {
                send(new Event.ProbeCycle(gen, ProbePhase.LIVENESS,
                        List.of(ProbeResult.failure("http", "status 500", Duration.ofMillis(2)))));
            }
            assertEquals(State.STOPPING, machine.state());
            last = send(new Event.Stopped(gen, true, "", new OutputTail(List.of("RuntimeError: CUDA error: an illegal memory access was encountered"))));
            waitOutTheBackoff(last);
        }
        assertEquals(State.FAILED, machine.state());
        Action.Audit loop = audit(last, "crash_loop");
        assertEquals("unknown", loop.fields().get("cause"));
        assertEquals("RuntimeError: CUDA error: an illegal memory access was encountered", loop.fields().get("cause_line"));
        assertEquals("unhealthy", machine.lastFailure().reason());
    }

    @Test
    void eventsWithoutOutputStillNameACauseFromTheExitStatus() {
        launch();
        List<Action> a = send(new Event.Exited(1, 127));
        Map<String, Object> exited = audit(a, "runtime_exited").fields();
        assertEquals("file_not_found", exited.get("cause"));
        assertEquals(List.of(), exited.get("log_tail"));
    }
}
