package dev.glyphsupervisor.core;

import dev.glyphsupervisor.probes.ProbeResult;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The state machine on a fake clock: every rule, no sleeps, no processes. */
class SupervisorStateMachineTest {

    private static final CoreSettings SETTINGS = new CoreSettings(
            Duration.ofMinutes(10), 2,
            Duration.ofSeconds(2), Duration.ofMinutes(5), Duration.ofMinutes(5),
            5, Duration.ofMinutes(10));

    private Instant now = Instant.parse("2026-11-26T12:00:00Z");
    private SupervisorStateMachine machine;
    private final List<Action> log = new ArrayList<>();

    @BeforeEach
    void setUp() {
        machine = new SupervisorStateMachine(SETTINGS, () -> 0.0);
    }

    private List<Action> send(Event e) {
        List<Action> actions = machine.handle(e, now);
        log.addAll(actions);
        return actions;
    }

    private void advance(Duration d) {
        now = now.plus(d);
    }

    private static ProbeResult ok(String probe) {
        return ProbeResult.success(probe, "ok", Duration.ofMillis(3));
    }

    private static ProbeResult bad(String probe) {
        return ProbeResult.failure(probe, "status 500 (expected 200)", Duration.ofMillis(4));
    }

    private static ProbeResult unknown(String probe) {
        return ProbeResult.unknown(probe, "interrupted", Duration.ofMillis(1));
    }

    /** The records the actions write, a restart decision's included. */
    private static List<Action.Audit> records(List<Action> actions) {
        return actions.stream().filter(a -> a instanceof Action.Audit || a instanceof Action.RestartDecided)
                .map(a -> a instanceof Action.RestartDecided r ? r.audit() : (Action.Audit) a).toList();
    }

    private static List<String> audits(List<Action> actions) {
        return records(actions).stream()
                .map(a -> a.event().wireName()).collect(Collectors.toList());
    }

    private static Action.Audit audit(List<Action> actions, String event) {
        return records(actions).stream().filter(a -> a.event().wireName().equals(event)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + event + " in " + actions));
    }

    /** Start, launch and report healthy: generation 1, RUNNING. */
    private void startHealthy() {
        send(new Event.Start());
        send(new Event.Launched(machine.generation(), 100));
        advance(Duration.ofSeconds(3));
        send(new Event.ProbeCycle(machine.generation(), ProbePhase.STARTUP, List.of(ok("http"))));
        assertEquals(State.RUNNING, machine.state());
    }

    @Test
    void startLaunchesGenerationOneAndSchedulesTheStartupDeadline() {
        List<Action> a = send(new Event.Start());
        assertEquals(List.of(new Action.Launch(1)), a);
        assertEquals(State.STARTING, machine.state());
        assertEquals(ProbePhase.STARTUP, machine.probePhase());

        List<Action> launched = send(new Event.Launched(1, 4242));
        assertEquals(List.of(new Action.Schedule(now.plus(Duration.ofMinutes(10)), new Event.StartupDeadline(1))), launched);
        assertEquals(4242, machine.pid());
    }

    @Test
    void aStartAfterAPreviousGenerationThatEndedUncleanClearsItsCachesBeforeTheNextLaunch() {
        assertEquals(List.of(new Action.ClearCaches(7), new Action.Launch(8)), send(new Event.Start(7, true)));
    }

    @Test
    void aStartAfterACleanStopContinuesTheGenerationsAndKeepsTheCaches() {
        assertEquals(List.of(new Action.Launch(8)), send(new Event.Start(7, false)));
    }

    @Test
    void firstHealthyProbeEndsStartupAndReportsStartupTime() {
        startHealthy();
        Action.Audit healthy = audit(log, "runtime_healthy");
        assertEquals(3000L, healthy.fields().get("startup_ms"));
        assertEquals(ProbePhase.LIVENESS, machine.probePhase());
    }

    @Test
    void failuresDuringStartupAreHeldBack() {
        send(new Event.Start());
        send(new Event.Launched(1, 100));
        for (int i = 0; i < 10; i++) {
            advance(Duration.ofSeconds(2));
            List<Action> a = send(new Event.ProbeCycle(1, ProbePhase.STARTUP, List.of(bad("http"))));
            assertTrue(a.isEmpty(), "startup failures must not act: " + a);
        }
        assertEquals(State.STARTING, machine.state());
    }

    @Test
    void startupTimeoutRestartsWithTheLastProbeProblem() {
        send(new Event.Start());
        send(new Event.Launched(1, 100));
        send(new Event.ProbeCycle(1, ProbePhase.STARTUP, List.of(bad("http"))));
        advance(Duration.ofMinutes(10));
        List<Action> a = send(new Event.StartupDeadline(1));
        Action.Audit decided = audit(a, "restart_decided");
        assertEquals("startup_timeout", decided.fields().get("reason"));
        assertEquals("http: status 500 (expected 200)", decided.fields().get("last_probe"));
        assertEquals(new Action.Stop(1, "startup_timeout"), a.get(a.size() - 1));
        assertEquals(State.STOPPING, machine.state());
    }

    @Test
    void startupDeadlineAfterHealthyIsIgnored() {
        startHealthy();
        assertTrue(send(new Event.StartupDeadline(1)).isEmpty());
        assertEquals(State.RUNNING, machine.state());
    }

    @Test
    void exitAuditsExitThenDecidesRestartThenStopsTheRestOfTheTree() {
        startHealthy();
        List<Action> a = send(new Event.Exited(1, 137));
        assertEquals(List.of("runtime_exited", "restart_decided"), audits(a));
        assertEquals("SIGKILL", audit(a, "runtime_exited").fields().get("signal"));
        assertEquals("exited", audit(a, "restart_decided").fields().get("reason"));
        assertEquals(new Action.Stop(1, "exited"), a.get(2));
    }

    /** A launch script that backgrounds the server and exits 0: the same launch goes on, nothing is restarted. */
    @Test
    void aForkWhileStartingRecordsTheSurvivorsAndFollowsTheNewMainProcess() {
        send(new Event.Start());
        send(new Event.Launched(1, 100));
        List<Action> a = send(new Event.Forked(1, 100, 120, List.of(120L, 121L), false));
        assertEquals(List.of("runtime_forked"), audits(a));
        assertEquals(1, a.size(), "no stop, no launch, no new deadline: " + a);
        Action.Audit forked = audit(a, "runtime_forked");
        assertEquals(100L, forked.fields().get("exited_pid"));
        assertEquals(120L, forked.fields().get("pid"));
        assertEquals(List.of(120L, 121L), forked.fields().get("survivors"));
        assertEquals(false, forked.fields().get("holds_port"));
        assertEquals(State.STARTING, machine.state());
        assertEquals(120, machine.pid());

        a = send(new Event.ProbeCycle(1, ProbePhase.STARTUP, List.of(ok("http"))));
        assertEquals(120L, audit(a, "runtime_healthy").fields().get("pid"));
        assertEquals(1, machine.generation());
    }

    @Test
    void theForkedServersExitIsAnExitOfTheSameGeneration() {
        startHealthy();
        send(new Event.Forked(1, 100, 120, List.of(120L), true));
        assertEquals(State.RUNNING, machine.state());
        List<Action> a = send(new Event.Exited(1, 137));
        assertEquals(List.of("runtime_exited", "restart_decided"), audits(a));
        assertEquals(120L, audit(a, "restart_decided").fields().get("pid"));
        assertEquals(new Action.Stop(1, "exited"), a.get(2));
    }

    @Test
    void aForkOfAnOldGenerationOrDuringAStopIsIgnored() {
        startHealthy();
        send(new Event.Exited(1, 1));
        assertTrue(send(new Event.Forked(1, 100, 120, List.of(120L), false)).isEmpty(), "stopping: the stop ends it");
        send(new Event.Stopped(1, true, ""));
        assertEquals(2, machine.generation());
        assertTrue(send(new Event.Forked(1, 100, 130, List.of(130L), false)).isEmpty(), "generation 1 is history");
        assertEquals(-1, machine.pid());
    }

    @Test
    void firstRestartIsImmediateAndClearsCachesBeforeTheLaunch() {
        startHealthy();
        send(new Event.Exited(1, 137));
        List<Action> a = send(new Event.Stopped(1, true, "tree gone"));
        assertEquals(List.of(new Action.ClearCaches(1), new Action.Launch(2)), a);
        assertEquals(2, machine.generation());
        assertEquals(State.STARTING, machine.state());
    }

    @Test
    void repeatedFailuresBackOffExponentiallyUpToTheCap() {
        CoreSettings s = new CoreSettings(Duration.ofMinutes(10), 2, Duration.ofSeconds(2), Duration.ofSeconds(10),
                Duration.ofMinutes(5), 100, Duration.ofMinutes(10));
        machine = new SupervisorStateMachine(s, () -> 0.0);
        send(new Event.Start());
        List<Long> delays = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            long gen = machine.generation();
            send(new Event.Launched(gen, 100 + i));
            send(new Event.Exited(gen, 1));
            List<Action> a = send(new Event.Stopped(gen, true, ""));
            if (a.stream().anyMatch(x -> x instanceof Action.Launch)) {
                delays.add(0L);
            } else {
                Action.Schedule sch = (Action.Schedule) a.get(a.size() - 1);
                delays.add(Duration.between(now, sch.at()).toMillis());
                now = sch.at();
                send(sch.event());
            }
        }
        assertEquals(List.of(0L, 2000L, 4000L, 8000L, 10000L, 10000L), delays);
    }

    @Test
    void jitterTakesAtMostTwentyPercentOff() {
        machine = new SupervisorStateMachine(SETTINGS, () -> 0.999);
        send(new Event.Start());
        send(new Event.Exited(1, 1));
        send(new Event.Stopped(1, true, ""));           // immediate
        send(new Event.Exited(2, 1));
        List<Action> a = send(new Event.Stopped(2, true, ""));
        Action.Schedule sch = (Action.Schedule) a.get(a.size() - 1);
        long ms = Duration.between(now, sch.at()).toMillis();
        assertTrue(ms >= 1600 && ms < 2000, "2s less up to 20%: " + ms);
        assertEquals(State.BACKOFF, machine.state());
    }

    @Test
    void aHealthySpellResetsTheBackoff() {
        send(new Event.Start());
        send(new Event.Exited(1, 1));
        send(new Event.Stopped(1, true, ""));           // immediate → gen 2
        send(new Event.Launched(2, 101));
        send(new Event.ProbeCycle(2, ProbePhase.STARTUP, List.of(ok("http"))));
        advance(Duration.ofMinutes(6));                 // healthy longer than backoff_reset (5m)
        send(new Event.Exited(2, 1));
        List<Action> a = send(new Event.Stopped(2, true, ""));
        assertEquals(new Action.Launch(3), a.get(a.size() - 1), "a healthy spell makes the next restart immediate");
    }

    @Test
    void aShortHealthySpellDoesNotResetTheBackoff() {
        send(new Event.Start());
        send(new Event.Exited(1, 1));
        send(new Event.Stopped(1, true, ""));           // immediate → gen 2
        send(new Event.Launched(2, 101));
        send(new Event.ProbeCycle(2, ProbePhase.STARTUP, List.of(ok("http"))));
        advance(Duration.ofSeconds(30));
        send(new Event.Exited(2, 1));
        List<Action> a = send(new Event.Stopped(2, true, ""));
        assertInstanceOf(Action.Schedule.class, a.get(a.size() - 1));
        assertEquals(State.BACKOFF, machine.state());
    }

    @Test
    void crashLoopGoesFailedAndKeepsASlowRetry() {
        send(new Event.Start());
        for (int i = 0; i < 5; i++) {                   // five restarts are allowed in the window
            long gen = machine.generation();
            send(new Event.Exited(gen, 1));
            List<Action> a = send(new Event.Stopped(gen, true, ""));
            if (machine.state() == State.BACKOFF) {
                send(((Action.Schedule) a.get(a.size() - 1)).event());
            }
            assertEquals(State.STARTING, machine.state(), "restart " + (i + 1));
            advance(Duration.ofSeconds(1));
        }
        long gen = machine.generation();
        send(new Event.Exited(gen, 1));
        List<Action> a = send(new Event.Stopped(gen, true, ""));
        assertEquals(State.FAILED, machine.state());
        Action.Audit loop = audit(a, "crash_loop");
        assertEquals(6, loop.fields().get("restarts_in_window"));
        Action.Schedule retry = (Action.Schedule) a.get(a.size() - 1);
        assertEquals(now.plus(Duration.ofMinutes(5)), retry.at(), "slow retry at backoff_max");
        assertEquals(ProbePhase.NONE, machine.probePhase());

        now = retry.at();
        List<Action> retried = send(retry.event());
        assertEquals(List.of(new Action.Launch(gen + 1)), retried);
    }

    @Test
    void failuresBelowThresholdDegradeThenASuccessRecovers() {
        startHealthy();
        List<Action> a = send(new Event.ProbeCycle(1, ProbePhase.LIVENESS, List.of(ok("tcp"), bad("http"))));
        assertEquals(List.of("probe_failed"), audits(a));
        assertEquals(State.DEGRADED, machine.state());
        a = send(new Event.ProbeCycle(1, ProbePhase.LIVENESS, List.of(ok("tcp"), ok("http"))));
        assertEquals(List.of("runtime_recovered"), audits(a));
        assertEquals(State.RUNNING, machine.state());
        assertEquals(0, machine.consecutiveFailures());
    }

    @Test
    void failuresAtThresholdRestartWithTheValuesBehindIt() {
        startHealthy();
        send(new Event.ProbeCycle(1, ProbePhase.LIVENESS, List.of(bad("http"))));
        List<Action> a = send(new Event.ProbeCycle(1, ProbePhase.LIVENESS, List.of(bad("http"))));
        Action.Audit decided = audit(a, "restart_decided");
        assertEquals("unhealthy", decided.fields().get("reason"));
        assertEquals(2, decided.fields().get("failures"));
        assertEquals(2, decided.fields().get("threshold"));
        assertEquals(new Action.Stop(1, "unhealthy"), a.get(a.size() - 1));
    }

    @Test
    void unknownResultsNeitherCountNorReset() {
        startHealthy();
        send(new Event.ProbeCycle(1, ProbePhase.LIVENESS, List.of(bad("http"))));
        List<Action> a = send(new Event.ProbeCycle(1, ProbePhase.LIVENESS, List.of(unknown("http"))));
        assertEquals(List.of("probe_unknown"), audits(a));
        assertEquals(1, machine.consecutiveFailures());
        assertEquals(State.DEGRADED, machine.state());
        a = send(new Event.ProbeCycle(1, ProbePhase.LIVENESS, List.of(bad("http"))));
        assertEquals("unhealthy", audit(a, "restart_decided").fields().get("reason"));
    }

    @Test
    void eventsOfAnOlderGenerationAreDropped() {
        startHealthy();
        send(new Event.Exited(1, 137));
        send(new Event.Stopped(1, true, ""));
        assertEquals(2, machine.generation());
        assertTrue(send(new Event.Exited(1, 0)).isEmpty());
        assertTrue(send(new Event.ProbeCycle(1, ProbePhase.STARTUP, List.of(ok("http")))).isEmpty());
        assertTrue(send(new Event.StartupDeadline(1)).isEmpty());
        assertEquals(State.STARTING, machine.state());
    }

    @Test
    void probesDuringAStopAreIgnored() {
        startHealthy();
        send(new Event.Exited(1, 137));
        assertEquals(ProbePhase.NONE, machine.probePhase());
        assertTrue(send(new Event.ProbeCycle(1, ProbePhase.LIVENESS, List.of(bad("http")))).isEmpty());
    }

    private static Action last(List<Action> actions) {
        return actions.get(actions.size() - 1);
    }

    /**
     * Issue 13: a refused launch (the port held, the GPU busy or not released) was recorded as restart_decided with
     * "pid": -1, used up a generation and counted toward the crash loop. A launch that never happened is not a
     * generation and not a crash: it is retried after a growing delay, as long as what stands in the way stays.
     */
    @Test
    void aRefusedLaunchIsNeitherAGenerationNorACrashAndIsRetriedWithABackoff() {
        send(new Event.Start());
        List<Action> a = send(new Event.LaunchFailed(1, "gpu_busy", "GPU 0 has 15.0 GiB free, the server needs 20.0 GiB"));
        assertTrue(a.stream().noneMatch(x -> x instanceof Action.Stop || x instanceof Action.Launch), a.toString());
        assertTrue(!audits(a).contains("restart_decided"), a.toString());
        Action.Audit refused = audit(a, "launch_refused");
        assertEquals(1, refused.generation(), "recorded as the launch it would have been");
        assertEquals("gpu_busy", refused.fields().get("cause"));
        assertEquals(1, refused.fields().get("attempt"));
        assertEquals(2000L, refused.fields().get("retry_in_ms"), "never immediate: backoff_initial");
        assertEquals(0, machine.generation(), "not a generation");
        assertEquals(0, machine.restarts(), "not a restart");
        assertEquals(State.BACKOFF, machine.state());
        assertEquals("gpu_busy", machine.launchRefusal().cause());
        assertEquals(now.plusSeconds(2), machine.launchRefusal().retryAt());

        // Far more refusals than a crash loop allows (5 in 10 minutes): still BACKOFF, the delay capped at backoff_max.
        List<Long> delays = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            Action.Schedule retry = (Action.Schedule) last(a);
            now = retry.at();
            assertEquals(new Action.Launch(1), last(send(retry.event())), "the retry is generation 1 again");
            a = send(new Event.LaunchFailed(1, "gpu_busy", "still busy"));
            delays.add((Long) audit(a, "launch_refused").fields().get("retry_in_ms"));
        }
        assertEquals(State.BACKOFF, machine.state());
        assertTrue(audits(log).stream().noneMatch(e -> e.equals("crash_loop") || e.equals("restart_decided")), log.toString());
        assertEquals(List.of(4000L, 8000L, 16000L, 32000L, 64000L, 128000L, 256000L, 300000L), delays.subList(0, 8));
        assertEquals(300000L, delays.get(19));

        // It fits at last: generation 1 is launched, and the refusals are forgotten.
        Action.Schedule retry = (Action.Schedule) last(a);
        now = retry.at();
        assertEquals(new Action.Launch(1), last(send(retry.event())));
        send(new Event.Launched(1, 100));
        assertEquals(1, machine.generation());
        assertEquals(null, machine.launchRefusal());
        send(new Event.ProbeCycle(1, ProbePhase.STARTUP, List.of(ok("http"))));
        assertEquals(State.RUNNING, machine.state());
    }

    @Test
    void aRelaunchRefusedAfterACrashKeepsTheGenerationsAndTheRestartCountHonest() {
        startHealthy();
        send(new Event.Exited(1, 137));                    // one real restart
        List<Action> a = send(new Event.Stopped(1, true, ""));
        assertEquals(new Action.Launch(2), last(a));
        a = send(new Event.LaunchFailed(2, "port_in_use", "runtime.port 7860 is held by pid 77 (nc)"));
        assertEquals(1, machine.generation());
        assertEquals(1, machine.restarts());
        assertEquals(State.BACKOFF, machine.state());
        Action.Schedule retry = (Action.Schedule) last(a);
        now = retry.at();
        assertEquals(new Action.Launch(2), last(send(retry.event())));
        send(new Event.Launched(2, 200));
        assertEquals(2, machine.generation());
        assertEquals(1, machine.restarts());
    }

    @Test
    void aRefusedRetryOfACrashLoopStaysFailed() {
        machine = new SupervisorStateMachine(new CoreSettings(Duration.ofMinutes(10), 2, Duration.ofSeconds(2),
                Duration.ofMinutes(5), Duration.ofMinutes(5), 0, Duration.ofMinutes(10)), () -> 0.0);
        startHealthy();
        send(new Event.Exited(1, 1));
        List<Action> a = send(new Event.Stopped(1, true, ""));
        assertEquals(State.FAILED, machine.state());
        now = ((Action.Schedule) last(a)).at();
        send(((Action.Schedule) last(a)).event());
        send(new Event.LaunchFailed(2, "gpu_busy", "busy"));
        assertEquals(State.FAILED, machine.state(), "still a crash loop, and the refusal did not add to it");
        assertEquals(1, machine.restarts());
    }

    /** A device over its limit because of others restarts nothing; it is recorded when it starts and when it ends. */
    @Test
    void aDeviceOverItsLimitBecauseOfOthersIsRecordedOncePerEpisode() {
        startHealthy();
        DeviceOverLimit over = new DeviceOverLimit(List.of(0), java.util.Map.of("devices", List.of(), "why", "others"));
        List<Action> a = send(new Event.ProbeCycle(1, ProbePhase.LIVENESS, List.of(ok("http")), null, null, over));
        assertEquals(List.of("device_over_limit"), audits(a));
        assertEquals(false, audit(a, "device_over_limit").fields().get("restart"));
        assertTrue(send(new Event.ProbeCycle(1, ProbePhase.LIVENESS, List.of(ok("http")), null, null, over)).isEmpty());
        a = send(new Event.ProbeCycle(1, ProbePhase.LIVENESS, List.of(ok("http")), null, null, null));
        assertEquals(List.of("device_within_limit"), audits(a));
        assertEquals(List.of(0), audit(a, "device_within_limit").fields().get("devices"));
        assertEquals(State.RUNNING, machine.state());
    }

    @Test
    void releaseFailureIsAuditedAndBacksOff() {
        startHealthy();
        send(new Event.Exited(1, 137));
        List<Action> a = send(new Event.Stopped(1, false, "pid 55 still holds port 7860"));
        assertEquals("pid 55 still holds port 7860", audit(a, "release_failed").fields().get("detail"));
    }

    @Test
    void shutdownWhileRunningStopsTheServerThenExits() {
        startHealthy();
        List<Action> a = send(new Event.Shutdown("SIGTERM"));
        assertEquals(List.of("supervisor_stopping"), audits(a));
        assertEquals(new Action.Stop(1, "shutdown"), a.get(1));
        assertEquals(ProbePhase.NONE, machine.probePhase());
        assertTrue(send(new Event.Exited(1, 143)).isEmpty(), "the exit during a stop is expected");
        a = send(new Event.Stopped(1, true, ""));
        assertEquals(List.of("supervisor_stopped"), audits(a));
        assertEquals(new Action.Exit(), a.get(a.size() - 1));
        assertTrue(a.stream().noneMatch(x -> x instanceof Action.Launch || x instanceof Action.ClearCaches));
    }

    @Test
    void shutdownDuringARestartStopFinishesThatStopAndDoesNotRelaunch() {
        startHealthy();
        send(new Event.Exited(1, 137));
        send(new Event.Shutdown("SIGTERM"));
        List<Action> a = send(new Event.Stopped(1, true, ""));
        assertEquals(new Action.Exit(), a.get(a.size() - 1));
        assertTrue(a.stream().noneMatch(x -> x instanceof Action.Launch));
    }

    @Test
    void shutdownDuringBackoffExitsAtOnceAndTheStaleRelaunchIsIgnored() {
        send(new Event.Start());
        send(new Event.Exited(1, 1));
        send(new Event.Stopped(1, true, ""));
        send(new Event.Exited(2, 1));
        List<Action> b = send(new Event.Stopped(2, true, ""));
        assertEquals(State.BACKOFF, machine.state());
        List<Action> a = send(new Event.Shutdown("SIGINT"));
        assertEquals(new Action.Exit(), a.get(a.size() - 1));
        assertTrue(send(((Action.Schedule) b.get(b.size() - 1)).event()).isEmpty());
    }

    @Test
    void aMemoryBreachRestartsAtOnceWithItsReasonAndValues() {
        startHealthy();
        MemoryBreach breach = new MemoryBreach("gpu_memory", java.util.Map.of("metric", "tree_gpu_memory", "value", 9L, "limit", 8L));
        List<Action> a = send(new Event.ProbeCycle(1, ProbePhase.LIVENESS, List.of(ok("http")), breach, null));
        Action.Audit decided = audit(a, "restart_decided");
        assertEquals("gpu_memory", decided.fields().get("reason"));
        assertEquals(9L, decided.fields().get("value"));
        assertEquals(8L, decided.fields().get("limit"));
        assertEquals(new Action.Stop(1, "gpu_memory"), a.get(a.size() - 1));
    }

    @Test
    void anUnreadableGpuIsRecordedWhenItStartsAndEndsNotEveryCycle() {
        startHealthy();
        List<Action> a = send(new Event.ProbeCycle(1, ProbePhase.LIVENESS, List.of(ok("http")), null, "libnvidia-ml.so.1 not found"));
        assertEquals(List.of("gpu_unknown"), audits(a));
        assertTrue(send(new Event.ProbeCycle(1, ProbePhase.LIVENESS, List.of(ok("http")), null, "libnvidia-ml.so.1 not found")).isEmpty());
        a = send(new Event.ProbeCycle(1, ProbePhase.LIVENESS, List.of(ok("http")), null, null));
        assertEquals(List.of("gpu_readable"), audits(a));
        assertEquals(State.RUNNING, machine.state(), "an unknown GPU is never a restart by itself");
    }

    @Test
    void anOperatorRestartStopsAndRelaunchesAtOnceWithoutCountingTowardACrashLoop() {
        startHealthy();
        for (int i = 0; i < 8; i++) {                   // more than crash_loop.max_restarts (5)
            long gen = machine.generation();
            List<Action> a = send(new Event.OperatorRestart("new weights", "alice"));
            Action.Audit decided = audit(a, "restart_decided");
            assertEquals("operator", decided.fields().get("reason"));
            assertEquals("alice", decided.fields().get("by"));
            assertEquals(new Action.Stop(gen, "operator"), a.get(a.size() - 1));
            a = send(new Event.Stopped(gen, true, ""));
            assertEquals(new Action.Launch(gen + 1), a.get(a.size() - 1), "immediate, no backoff");
            send(new Event.Launched(gen + 1, 200 + i));
            send(new Event.ProbeCycle(gen + 1, ProbePhase.STARTUP, List.of(ok("http"))));
        }
        assertEquals(State.RUNNING, machine.state());
    }

    @Test
    void aSecondRestartWhileTheFirstIsStoppingIsCoalesced() {
        startHealthy();
        send(new Event.OperatorRestart("one", "alice"));
        List<Action> a = send(new Event.OperatorRestart("two", "bob"));
        assertEquals(List.of("restart_coalesced"), audits(a));
        assertTrue(a.stream().noneMatch(x -> x instanceof Action.Stop));
        a = send(new Event.Stopped(1, true, ""));
        assertEquals(new Action.Launch(2), a.get(a.size() - 1), "one restart for both requests");
        assertEquals(2, machine.generation());
    }

    @Test
    void anOperatorRestartWhileStartingStopsThatLaunchAndStartsANewGeneration() {
        send(new Event.Start());
        send(new Event.Launched(1, 100));
        advance(Duration.ofSeconds(1));                   // the launch script was edited meanwhile: it must run again
        List<Action> a = send(new Event.OperatorRestart("new launch script", "alice"));
        Action.Audit decided = audit(a, "restart_decided");
        assertEquals("operator", decided.fields().get("reason"));
        assertEquals("STARTING", decided.fields().get("state"));
        assertEquals(100L, decided.fields().get("pid"));
        assertEquals(new Action.Stop(1, "operator"), a.get(a.size() - 1));
        assertEquals(State.STOPPING, machine.state());

        // The stopped launch's late news is history: neither its first healthy answer nor its deadline acts.
        assertTrue(send(new Event.ProbeCycle(1, ProbePhase.STARTUP, List.of(ok("http")))).isEmpty());
        assertTrue(send(new Event.StartupDeadline(1)).isEmpty());
        a = send(new Event.Stopped(1, true, ""));
        assertEquals(new Action.Launch(2), a.get(a.size() - 1), "at once: an operator's restart is not a failure");
        assertEquals(State.STARTING, machine.state());
        assertEquals(0, audits(log).stream().filter(e -> e.equals("backoff") || e.equals("runtime_healthy")).count(),
                audits(log).toString());
    }

    @Test
    void aRestartDuringTheStartOfARestartRestartsAgain() {
        startHealthy();
        send(new Event.OperatorRestart("one", "alice"));
        send(new Event.Stopped(1, true, ""));
        send(new Event.Launched(2, 200));
        List<Action> a = send(new Event.OperatorRestart("two", "bob")); // generation 2 is starting
        assertEquals("operator", audit(a, "restart_decided").fields().get("reason"));
        assertEquals(new Action.Stop(2, "operator"), a.get(a.size() - 1));
        a = send(new Event.Stopped(2, true, ""));
        assertEquals(new Action.Launch(3), a.get(a.size() - 1));
    }

    @Test
    void aRestartAskedBeforeTheLaunchIsReportedStopsItAndItsLateReportIsIgnored() {
        send(new Event.Start());                          // Launch(1) carried out, Launched(1) still queued
        List<Action> a = send(new Event.OperatorRestart("now", "alice"));
        assertEquals(new Action.Stop(1, "operator"), a.get(a.size() - 1));
        assertTrue(send(new Event.Launched(1, 100)).isEmpty(), "no startup deadline for a launch being stopped");
        assertTrue(send(new Event.LaunchFailed(1, "port_in_use", "held")).isEmpty());
        a = send(new Event.Stopped(1, true, ""));
        assertEquals(new Action.Launch(2), a.get(a.size() - 1));
    }

    @Test
    void maintenanceWhileStartingFollowsTheSkipRuleThenRestarts() {
        machine = new SupervisorStateMachine(new CoreSettings(Duration.ofMinutes(10), 2, Duration.ofSeconds(2),
                Duration.ofMinutes(5), Duration.ofMinutes(5), 5, Duration.ofMinutes(10), Duration.ofMinutes(1)), () -> 0.0);
        send(new Event.Start());
        send(new Event.Launched(1, 100));
        advance(Duration.ofSeconds(30));
        List<Action> a = send(new Event.MaintenanceDue());
        assertEquals(List.of("maintenance_skipped"), audits(a), "launched 30 s ago, within the skip period (1 min)");
        assertEquals("restarted recently", audit(a, "maintenance_skipped").fields().get("why"));
        advance(Duration.ofMinutes(2));                   // a slow model load, still not healthy
        a = send(new Event.MaintenanceDue());
        assertEquals("maintenance", audit(a, "restart_decided").fields().get("reason"));
        assertEquals(new Action.Stop(1, "maintenance"), a.get(a.size() - 1));
        a = send(new Event.Stopped(1, true, ""));
        assertEquals(new Action.Launch(2), a.get(a.size() - 1));
    }

    @Test
    void pauseStopsTheServerAndKeepsItStoppedUntilResumed() {
        startHealthy();
        List<Action> a = send(new Event.Pause("alice"));
        assertEquals("alice", audit(a, "paused").fields().get("by"));
        assertEquals(new Action.Stop(1, "operator_stop"), a.get(a.size() - 1));
        a = send(new Event.Stopped(1, true, ""));
        assertTrue(a.isEmpty(), "no relaunch, no cache clearing: " + a);
        assertEquals(State.PAUSED, machine.state());
        assertEquals("alice", machine.pausedBy());
        assertEquals(ProbePhase.NONE, machine.probePhase());
        assertTrue(send(new Event.ProbeCycle(1, ProbePhase.LIVENESS, List.of(bad("http")))).isEmpty());
        assertTrue(send(new Event.OperatorRestart("x", "bob")).isEmpty(), "restart does not unpause");

        a = send(new Event.Resume("bob"));
        assertEquals("bob", audit(a, "resumed").fields().get("by"));
        assertEquals(new Action.Launch(2), a.get(a.size() - 1));
        assertEquals(null, machine.pausedBy());
    }

    @Test
    void pauseDuringABackoffCancelsThePendingRelaunch() {
        send(new Event.Start());
        send(new Event.Exited(1, 1));
        send(new Event.Stopped(1, true, ""));
        send(new Event.Exited(2, 1));
        List<Action> b = send(new Event.Stopped(2, true, ""));
        assertEquals(State.BACKOFF, machine.state());
        send(new Event.Pause("alice"));
        assertEquals(State.PAUSED, machine.state());
        assertTrue(send(((Action.Schedule) b.get(b.size() - 1)).event()).isEmpty());
    }

    @Test
    void maintenanceRestartsAnOldServerAndSkipsARecentOne() {
        startHealthy();
        List<Action> a = send(new Event.MaintenanceDue());
        assertEquals(List.of("maintenance_skipped"), audits(a), "launched 3 s ago, within the skip period (1 h)");
        advance(Duration.ofHours(2));
        a = send(new Event.MaintenanceDue());
        assertEquals("maintenance", audit(a, "restart_decided").fields().get("reason"));
        a = send(new Event.Stopped(1, true, ""));
        assertEquals(new Action.Launch(2), a.get(a.size() - 1));
    }

    @Test
    void outcomeIsFailureIfAnyFailsElseUnknownIfAnyUnknown() {
        assertEquals(dev.glyphsupervisor.probes.ProbeStatus.FAILURE,
                SupervisorStateMachine.outcome(List.of(ok("a"), unknown("b"), bad("c"))));
        assertEquals(dev.glyphsupervisor.probes.ProbeStatus.UNKNOWN,
                SupervisorStateMachine.outcome(List.of(ok("a"), unknown("b"))));
        assertEquals(dev.glyphsupervisor.probes.ProbeStatus.SUCCESS,
                SupervisorStateMachine.outcome(List.of(ok("a"), ok("b"))));
    }
}
