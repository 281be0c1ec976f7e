package dev.glyphsupervisor.core;

import dev.glyphsupervisor.probes.ProbeResult;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The per-server half of the dependency gate ({@code requires:}), on a fake clock: a server whose required servers
 * are down does not run (WAITING), is stopped without a restart being counted when they go down, and is launched
 * when they are healthy again.
 */
class SupervisorStateMachineRequirementsTest {

    /** Five restarts allowed in 10 minutes, backoff 2 s up to 5 min, reset after 5 min healthy. */
    private static final CoreSettings SETTINGS = new CoreSettings(
            Duration.ofMinutes(10), 2,
            Duration.ofSeconds(2), Duration.ofMinutes(5), Duration.ofMinutes(5),
            5, Duration.ofMinutes(10));

    private static final Event.RequirementsDown VLLM_DOWN = new Event.RequirementsDown(List.of("vllm"), "vllm is STOPPING");
    private static final Event.RequirementsUp UP = new Event.RequirementsUp();

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

    private static ProbeResult ok() {
        return ProbeResult.success("http", "ok", Duration.ofMillis(3));
    }

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

    private static boolean launches(List<Action> actions) {
        return actions.stream().anyMatch(a -> a instanceof Action.Launch);
    }

    /** The launch in flight reports its pid and its first healthy answer: RUNNING. */
    private void healthy(long pid) {
        long gen = machine.generation();
        send(new Event.Launched(gen, pid));
        advance(Duration.ofSeconds(3));
        send(new Event.ProbeCycle(gen, ProbePhase.STARTUP, List.of(ok())));
        assertEquals(State.RUNNING, machine.state());
    }

    private void startHealthy() {
        send(new Event.Start());
        healthy(100);
    }

    private void assertWaitingFor(List<String> names) {
        assertEquals(State.WAITING, machine.state());
        assertFalse(machine.state().hasProcess());
        assertEquals(-1, machine.pid());
        assertNull(machine.launchedAt());
        assertEquals(ProbePhase.NONE, machine.probePhase());
        assertEquals(names, machine.waiting().requires());
    }

    // --- start ----------------------------------------------------------------------------------------------------

    @Test
    void aStartWithTheGateClosedWaitsAndLaunchesTheFirstGenerationWhenTheRequirementsAreUp() {
        assertTrue(send(VLLM_DOWN).isEmpty(), "not started yet: remembered only");
        assertEquals(State.STOPPED, machine.state());

        List<Action> a = send(new Event.Start());
        assertEquals(List.of("waiting"), audits(a));
        assertEquals(1, a.size(), "no launch: " + a);
        Action.Audit waiting = audit(a, "waiting");
        assertEquals(List.of("vllm"), waiting.fields().get("requires"));
        assertEquals("vllm is STOPPING", waiting.fields().get("why"));
        assertEquals("STOPPED", waiting.fields().get("state"));
        assertEquals(-1L, waiting.fields().get("pid"));
        assertEquals(List.of("requires", "why", "state", "pid"), List.copyOf(waiting.fields().keySet()));
        assertWaitingFor(List.of("vllm"));
        assertEquals(new SupervisorStateMachine.Waiting(List.of("vllm"), "vllm is STOPPING", now), machine.waiting());
        assertEquals(0, machine.generation());

        advance(Duration.ofSeconds(42));
        a = send(UP);
        assertEquals(List.of("requirements_met"), audits(a));
        Action.Audit met = audit(a, "requirements_met");
        assertEquals(List.of("vllm"), met.fields().get("requires"));
        assertEquals(42_000L, met.fields().get("waited_ms"));
        assertEquals(new Action.Launch(1), a.get(a.size() - 1));
        assertEquals(State.STARTING, machine.state());
        assertNull(machine.waiting());
        assertEquals(List.of(), machine.requirementsDown());
        healthy(100);
        assertEquals(0, machine.restarts());
    }

    @Test
    void aGatedStartAfterAnUncleanEndClearsTheCachesAndContinuesTheGenerations() {
        send(VLLM_DOWN);
        List<Action> a = send(new Event.Start(7, true));
        assertEquals(new Action.ClearCaches(7), a.get(0));
        assertFalse(launches(a));
        a = send(UP);
        assertEquals(new Action.Launch(8), a.get(a.size() - 1));
        assertFalse(a.stream().anyMatch(x -> x instanceof Action.ClearCaches), "cleared once, at the start");
    }

    @Test
    void aMachineNeverToldAboutRequirementsLaunchesAtOnceAndAnUpChangesNothing() {
        assertEquals(List.of(new Action.Launch(1)), send(new Event.Start()));
        healthy(100);
        assertTrue(send(UP).isEmpty());
        assertEquals(State.RUNNING, machine.state());
        assertNull(machine.waiting());
    }

    @Test
    void aRequirementsDownNamesAtLeastOneServer() {
        assertThrows(IllegalArgumentException.class, () -> new Event.RequirementsDown(List.of(), "nothing"));
    }

    // --- down while the server has a process ---------------------------------------------------------------------

    @Test
    void aDownWhileRunningStopsTheTreeWithoutARestartThenWaitsThenLaunchesTheNextGeneration() {
        startHealthy();
        advance(Duration.ofSeconds(10));
        List<Action> a = send(VLLM_DOWN);
        assertEquals(List.of("waiting"), audits(a));
        Action.Audit waiting = audit(a, "waiting");
        assertEquals("RUNNING", waiting.fields().get("state"));
        assertEquals(100L, waiting.fields().get("pid"));
        assertEquals(new Action.Stop(1, "requirement_down"), a.get(a.size() - 1));
        assertEquals(SupervisorStateMachine.REQUIREMENT_DOWN, ((Action.Stop) a.get(a.size() - 1)).reason());
        assertEquals(State.STOPPING, machine.state());
        assertEquals(List.of("vllm"), machine.waiting().requires(), "status says what it is stopping for");
        assertEquals(0, machine.restarts());
        assertEquals(0, machine.restartHistory().total());
        assertNull(machine.lastRestartReason());

        a = send(new Event.Stopped(1, true, "tree gone"));
        assertEquals(List.of(new Action.ClearCaches(1)), a, "no backoff, no relaunch, nothing scheduled");
        assertWaitingFor(List.of("vllm"));
        assertEquals(now, machine.waiting().since(), "since the down, not the end of the stop");

        advance(Duration.ofSeconds(20));
        a = send(UP);
        assertEquals(20_000L, audit(a, "requirements_met").fields().get("waited_ms"));
        assertEquals(new Action.Launch(2), a.get(a.size() - 1));
        healthy(200);
        assertEquals(2, machine.generation());
        assertEquals(0, machine.restarts());
        assertTrue(audits(log).stream().noneMatch(e -> e.equals("restart_decided") || e.equals("backoff")), log.toString());
    }

    @Test
    void aDownWhileStartingStopsThatLaunch() {
        send(new Event.Start());
        send(new Event.Launched(1, 100));
        List<Action> a = send(VLLM_DOWN);
        assertEquals("STARTING", audit(a, "waiting").fields().get("state"));
        assertEquals(new Action.Stop(1, "requirement_down"), a.get(a.size() - 1));
        assertTrue(send(new Event.StartupDeadline(1)).isEmpty(), "the stopped launch's deadline is history");
        send(new Event.Stopped(1, true, ""));
        assertWaitingFor(List.of("vllm"));
        assertEquals(0, machine.restarts());
    }

    @Test
    void aDownWhileDegradedStopsTheTree() {
        startHealthy();
        send(new Event.ProbeCycle(1, ProbePhase.LIVENESS,
                List.of(ProbeResult.failure("http", "status 500", Duration.ofMillis(4)))));
        assertEquals(State.DEGRADED, machine.state());
        List<Action> a = send(VLLM_DOWN);
        assertEquals(new Action.Stop(1, "requirement_down"), a.get(a.size() - 1));
        assertTrue(send(new Event.Exited(1, 143)).isEmpty(), "the exit the stop causes is expected");
        send(new Event.Stopped(1, true, ""));
        assertWaitingFor(List.of("vllm"));
        assertEquals(0, machine.restarts());
    }

    @Test
    void anAdoptedServerWhoseRequirementsAreDownIsStopped() {
        send(VLLM_DOWN);
        List<Action> a = send(new Event.Adopt(4, 4242));
        assertEquals(List.of("runtime_adopted", "waiting"), audits(a));
        assertEquals(new Action.Stop(4, "requirement_down"), a.get(a.size() - 1));
        send(new Event.Stopped(4, true, ""));
        assertWaitingFor(List.of("vllm"));
        assertEquals(new Action.Launch(5), send(UP).get(1));
    }

    @Test
    void aStopThatDoesNotReleaseStillWaitsAndSaysSo() {
        startHealthy();
        send(VLLM_DOWN);
        List<Action> a = send(new Event.Stopped(1, false, "port 8000 is still held by pid 9"));
        assertEquals(List.of("release_failed"), audits(a));
        assertWaitingFor(List.of("vllm"));
        assertEquals(0, machine.restarts());
    }

    // --- down while no process ------------------------------------------------------------------------------------

    /** Start, crash twice: the second relaunch waits out a backoff (2 s). Returns its scheduled RelaunchDue. */
    private Action.Schedule backoff() {
        send(new Event.Start());
        send(new Event.Launched(1, 100));
        send(new Event.Exited(1, 1));
        send(new Event.Stopped(1, true, ""));          // immediate → gen 2
        send(new Event.Launched(2, 101));
        send(new Event.Exited(2, 1));
        List<Action> a = send(new Event.Stopped(2, true, ""));
        assertEquals(State.BACKOFF, machine.state());
        return (Action.Schedule) a.get(a.size() - 1);
    }

    @Test
    void aDownDuringABackoffCancelsTheRelaunchAndAnUpLaunchesAtOnceWithTheBackoffReset() {
        Action.Schedule relaunch = backoff();
        List<Action> a = send(VLLM_DOWN);
        assertEquals(List.of("waiting"), audits(a));
        assertEquals("BACKOFF", audit(a, "waiting").fields().get("state"));
        assertEquals(1, a.size());
        assertWaitingFor(List.of("vllm"));

        now = relaunch.at();
        assertTrue(send(relaunch.event()).isEmpty(), "the cancelled relaunch does not launch");
        assertEquals(State.WAITING, machine.state());

        a = send(UP);
        assertEquals(new Action.Launch(3), a.get(a.size() - 1), "launched now, not after the rest of a backoff");
        send(new Event.Launched(3, 102));
        send(new Event.Exited(3, 1));
        a = send(new Event.Stopped(3, true, ""));
        assertEquals(new Action.Launch(4), a.get(a.size() - 1), "the backoff starts again from its first step");
        assertEquals(3, machine.restarts(), "its own three crashes, nothing for the wait");
    }

    @Test
    void aDownWhileFailedCancelsTheSlowRetry() {
        send(new Event.Start());
        Action.Schedule retry = null;
        for (int i = 0; i < 6; i++) {                   // the sixth restart in the window is a crash loop
            long gen = machine.generation();
            send(new Event.Exited(gen, 1));
            List<Action> a = send(new Event.Stopped(gen, true, ""));
            if (machine.state() == State.BACKOFF) {
                send(((Action.Schedule) a.get(a.size() - 1)).event());
            } else if (machine.state() == State.FAILED) {
                retry = (Action.Schedule) a.get(a.size() - 1);
            }
            advance(Duration.ofSeconds(1));
        }
        assertEquals(State.FAILED, machine.state());
        long gen = machine.generation();

        List<Action> a = send(VLLM_DOWN);
        assertEquals("FAILED", audit(a, "waiting").fields().get("state"));
        assertWaitingFor(List.of("vllm"));
        now = retry.at();
        assertTrue(send(retry.event()).isEmpty(), "the slow retry is cancelled");

        a = send(UP);
        assertEquals(new Action.Launch(gen + 1), a.get(a.size() - 1));
        assertEquals(6, machine.restarts());
    }

    @Test
    void aDownWhileARefusedLaunchWaitsForItsRetryCancelsTheRetryAndForgetsTheRefusal() {
        send(new Event.Start());
        List<Action> a = send(new Event.LaunchFailed(1, "port_in_use", "port 8000 is held by pid 9"));
        Action.Schedule retry = (Action.Schedule) a.get(a.size() - 1);
        assertEquals(State.BACKOFF, machine.state());
        send(VLLM_DOWN);
        assertWaitingFor(List.of("vllm"));
        assertNull(machine.launchRefusal());
        assertTrue(send(retry.event()).isEmpty());
        a = send(UP);
        assertEquals(new Action.Launch(1), a.get(a.size() - 1), "the refused launch's number is still free");
    }

    // --- down during a stop in flight ------------------------------------------------------------------------------

    @Test
    void aDownWhileACrashIsBeingStoppedWaitsInsteadOfRelaunching() {
        startHealthy();
        send(new Event.Exited(1, 137));
        assertEquals(State.STOPPING, machine.state());
        assertEquals(1, machine.restarts(), "the crash's restart was decided");
        List<Action> a = send(VLLM_DOWN);
        assertEquals(List.of("waiting"), audits(a));
        assertEquals("STOPPING", audit(a, "waiting").fields().get("state"));
        assertFalse(a.stream().anyMatch(x -> x instanceof Action.Stop), "the stop in flight is the stop");

        a = send(new Event.Stopped(1, true, ""));
        assertEquals(List.of(new Action.ClearCaches(1)), a, "no relaunch, no backoff, no crash-loop accounting");
        assertWaitingFor(List.of("vllm"));

        a = send(UP);
        assertEquals(new Action.Launch(2), a.get(a.size() - 1));
        assertEquals(1, machine.restarts());
    }

    @Test
    void aDownDuringAnOperatorRestartWaitsInsteadOfTheLaunch() {
        startHealthy();
        send(new Event.OperatorRestart("new weights", "alice"));
        assertEquals(State.STOPPING, machine.state());
        send(VLLM_DOWN);
        List<Action> a = send(new Event.Stopped(1, true, ""));
        assertFalse(launches(a), a.toString());
        assertWaitingFor(List.of("vllm"));
        assertEquals(new Action.Launch(2), send(UP).get(1));
    }

    @Test
    void anUpBeforeTheRequirementStopEndsLaunchesWhenItEnds() {
        startHealthy();
        send(VLLM_DOWN);
        advance(Duration.ofSeconds(2));
        assertTrue(send(UP).isEmpty(), "the tree is still being stopped");
        assertEquals(State.STOPPING, machine.state());
        advance(Duration.ofSeconds(1));
        List<Action> a = send(new Event.Stopped(1, true, ""));
        assertEquals(List.of("requirements_met"), audits(a));
        assertEquals(3_000L, audit(a, "requirements_met").fields().get("waited_ms"));
        assertEquals(List.of(new Action.ClearCaches(1)), a.subList(0, 1));
        assertEquals(new Action.Launch(2), a.get(a.size() - 1));
        assertEquals(0, machine.restarts());
    }

    // --- pause ------------------------------------------------------------------------------------------------------

    @Test
    void aPausedServerRemembersTheGateAndItsResumeWaitsWhileItIsClosed() {
        startHealthy();
        send(new Event.Pause("alice"));
        send(new Event.Stopped(1, true, ""));
        assertEquals(State.PAUSED, machine.state());

        assertTrue(send(VLLM_DOWN).isEmpty());
        assertEquals(State.PAUSED, machine.state());
        assertEquals(List.of("vllm"), machine.requirementsDown());
        assertNull(machine.waiting(), "paused, not waiting");

        List<Action> a = send(new Event.Resume("bob"));
        assertEquals(List.of("resumed", "waiting"), audits(a));
        assertEquals("PAUSED", audit(a, "waiting").fields().get("state"));
        assertFalse(launches(a));
        assertWaitingFor(List.of("vllm"));

        assertEquals(new Action.Launch(2), send(UP).get(1));
    }

    @Test
    void aPausedServerWhoseRequirementsCameBackResumesWithALaunch() {
        startHealthy();
        send(new Event.Pause("alice"));
        send(new Event.Stopped(1, true, ""));
        send(VLLM_DOWN);
        assertTrue(send(UP).isEmpty(), "paused: nothing launches");
        assertEquals(State.PAUSED, machine.state());
        List<Action> a = send(new Event.Resume("bob"));
        assertEquals(List.of("resumed"), audits(a));
        assertEquals(new Action.Launch(2), a.get(a.size() - 1));
    }

    @Test
    void aDownDuringThePausesStopStillEndsPaused() {
        startHealthy();
        send(new Event.Pause("alice"));
        assertTrue(send(VLLM_DOWN).isEmpty());
        send(new Event.Stopped(1, true, ""));
        assertEquals(State.PAUSED, machine.state());
        assertNull(machine.waiting());
    }

    @Test
    void aPauseWhileWaitingPausesAndAResumeAfterTheRequirementsCameBackLaunches() {
        startHealthy();
        send(VLLM_DOWN);
        send(new Event.Stopped(1, true, ""));
        List<Action> a = send(new Event.Pause("alice"));
        assertEquals("WAITING", audit(a, "paused").fields().get("state"));
        assertEquals(State.PAUSED, machine.state());
        assertTrue(send(UP).isEmpty());
        assertEquals(State.PAUSED, machine.state());
        a = send(new Event.Resume("alice"));
        assertEquals(new Action.Launch(2), a.get(a.size() - 1));
    }

    @Test
    void aResumeBeforeThePausesStopEndsWaitsAtTheEndOfTheStopWhileTheGateIsClosed() {
        startHealthy();
        send(new Event.Pause("alice"));
        send(VLLM_DOWN);
        send(new Event.Resume("alice"));
        List<Action> a = send(new Event.Stopped(1, true, ""));
        assertFalse(launches(a), a.toString());
        assertEquals(List.of("waiting"), audits(a));
        assertWaitingFor(List.of("vllm"));
        assertEquals(0, machine.restarts(), "the resumed pause's restart is a planned one, and it waits");
    }

    // --- shutdown, operator restart, maintenance --------------------------------------------------------------------

    @Test
    void aShutdownWhileWaitingFinishesAtOnce() {
        send(VLLM_DOWN);
        send(new Event.Start());
        List<Action> a = send(new Event.Shutdown("SIGTERM"));
        assertEquals(List.of("supervisor_stopping", "supervisor_stopped"), audits(a));
        assertEquals(new Action.Exit(), a.get(a.size() - 1));
        assertEquals(State.STOPPED, machine.state());
        assertNull(machine.waiting());
        assertTrue(send(UP).isEmpty(), "nothing launches after a shutdown");
    }

    @Test
    void aShutdownDuringTheRequirementStopFinishesWhenItEnds() {
        startHealthy();
        send(VLLM_DOWN);
        send(new Event.Shutdown("SIGTERM"));
        assertTrue(send(UP).isEmpty());
        List<Action> a = send(new Event.Stopped(1, true, ""));
        assertEquals(List.of("supervisor_stopped"), audits(a));
        assertEquals(new Action.Exit(), a.get(a.size() - 1));
    }

    @Test
    void anOperatorRestartWhileWaitingLaunchesNothingAndSaysWhy() {
        startHealthy();
        send(VLLM_DOWN);
        send(new Event.Stopped(1, true, ""));
        List<Action> a = send(new Event.OperatorRestart("new weights", "alice"));
        assertEquals(List.of("restart_waiting"), audits(a));
        assertEquals(1, a.size());
        Action.Audit w = audit(a, "restart_waiting");
        assertEquals("new weights", w.fields().get("requested_reason"));
        assertEquals("alice", w.fields().get("by"));
        assertEquals(List.of("vllm"), w.fields().get("requires"));
        assertWaitingFor(List.of("vllm"));
        assertEquals(0, machine.restarts(), "not a restart decided");
        assertEquals(new Action.Launch(2), send(UP).get(1));
    }

    @Test
    void anOperatorRestartDuringTheRequirementStopLaunchesNothingEither() {
        startHealthy();
        send(VLLM_DOWN);
        assertEquals(List.of("restart_waiting"), audits(send(new Event.OperatorRestart("x", "alice"))));
        assertFalse(launches(send(new Event.Stopped(1, true, ""))));
        assertEquals(State.WAITING, machine.state());
    }

    @Test
    void maintenanceWhileWaitingIsSkipped() {
        startHealthy();
        send(VLLM_DOWN);
        send(new Event.Stopped(1, true, ""));
        List<Action> a = send(new Event.MaintenanceDue());
        assertEquals(List.of("maintenance_skipped"), audits(a));
        assertEquals("state WAITING", audit(a, "maintenance_skipped").fields().get("why"));
        assertEquals(State.WAITING, machine.state());
    }

    @Test
    void staleEventsOfTheStoppedGenerationAreIgnoredWhileWaiting() {
        startHealthy();
        send(VLLM_DOWN);
        send(new Event.Stopped(1, true, ""));
        assertTrue(send(new Event.Exited(1, 137)).isEmpty());
        assertTrue(send(new Event.ProbeCycle(1, ProbePhase.LIVENESS, List.of(ok()))).isEmpty());
        assertTrue(send(new Event.StartupDeadline(1)).isEmpty());
        assertTrue(send(new Event.Stopped(1, true, "")).isEmpty());
        assertTrue(send(new Event.Start()).isEmpty(), "a second start does nothing");
        assertWaitingFor(List.of("vllm"));
    }

    // --- the crash-loop budget, flapping ----------------------------------------------------------------------------

    @Test
    void requirementStopsNeverSpendTheCrashLoopBudget() {
        startHealthy();
        for (int i = 0; i < 20; i++) {                  // far more than the 5 restarts a window allows
            advance(Duration.ofSeconds(5));
            long gen = machine.generation();
            List<Action> a = send(VLLM_DOWN);
            assertEquals(new Action.Stop(gen, "requirement_down"), a.get(a.size() - 1));
            send(new Event.Stopped(gen, true, ""));
            assertEquals(State.WAITING, machine.state());
            advance(Duration.ofSeconds(5));
            a = send(UP);
            assertEquals(new Action.Launch(gen + 1), a.get(a.size() - 1));
            healthy(100 + i);
        }
        assertEquals(21, machine.generation());
        assertEquals(0, machine.restarts());
        assertTrue(audits(log).stream().noneMatch(e -> e.equals("crash_loop") || e.equals("backoff")
                || e.equals("restart_decided")), log.toString());

        // Its own crash afterwards is a first restart: immediate, as if the waits had never been.
        long gen = machine.generation();
        send(new Event.Exited(gen, 1));
        List<Action> a = send(new Event.Stopped(gen, true, ""));
        assertEquals(new Action.Launch(gen + 1), a.get(a.size() - 1));
        assertEquals(1, machine.restarts());
    }

    @Test
    void theServersOwnCrashesStillMakeACrashLoopAcrossWaits() {
        send(new Event.Start());
        for (int i = 0; i < 6; i++) {
            long gen = machine.generation();
            send(new Event.Exited(gen, 1));
            List<Action> a = send(new Event.Stopped(gen, true, ""));
            if (machine.state() == State.BACKOFF) {
                send(VLLM_DOWN);                        // the required server bounces while this one backs off
                send(UP);
            }
            advance(Duration.ofSeconds(1));
            if (i < 5) {
                assertEquals(State.STARTING, machine.state(), "restart " + (i + 1) + ": " + a);
            }
        }
        assertEquals(State.FAILED, machine.state(), "six failures of its own in the window are a crash loop");
    }

    @Test
    void flappingRequirementsNeverLeaveTwoTreesAndRecordOnlyChanges() {
        startHealthy();
        List<Action> a = send(VLLM_DOWN);
        assertEquals(List.of("waiting"), audits(a));
        assertTrue(send(VLLM_DOWN).isEmpty(), "the same news again is no news");
        a = send(new Event.RequirementsDown(List.of("vllm", "redis"), "vllm is STOPPING, redis is BACKOFF"));
        assertEquals(List.of("waiting"), audits(a), "the names changed");
        assertEquals(List.of("vllm", "redis"), machine.waiting().requires());
        assertFalse(a.stream().anyMatch(x -> x instanceof Action.Stop), "one stop is enough");
        send(new Event.Stopped(1, true, ""));
        assertWaitingFor(List.of("vllm", "redis"));

        // Up, down, up, down in quick succession: every launch comes after the previous tree's stop.
        a = send(UP);
        assertEquals(new Action.Launch(2), a.get(a.size() - 1));
        a = send(VLLM_DOWN);
        assertEquals(new Action.Stop(2, "requirement_down"), a.get(a.size() - 1));
        assertTrue(send(UP).isEmpty());
        assertTrue(send(VLLM_DOWN).isEmpty(), "the stop in flight already ends in a wait");
        assertTrue(send(new Event.LaunchFailed(2, "port_in_use", "held")).isEmpty(), "stopping: not a launch to retry");
        a = send(new Event.Stopped(2, true, ""));
        assertFalse(launches(a));
        assertEquals(State.WAITING, machine.state());
        a = send(UP);
        assertEquals(new Action.Launch(3), a.get(a.size() - 1));
        healthy(300);

        long live = 0;
        long maxLive = 0;
        for (Action x : log) {
            if (x instanceof Action.Launch) {
                live++;
            } else if (x instanceof Action.Stop) {
                live--;
            }
            maxLive = Math.max(maxLive, live);
        }
        assertEquals(1, maxLive, "never two trees");
        assertEquals(0, machine.restarts());
    }

    @Test
    void aRefusedLaunchAfterTheWaitBacksOffAsAnyRefusedLaunch() {
        send(VLLM_DOWN);
        send(new Event.Start());
        send(UP);
        List<Action> a = send(new Event.LaunchFailed(1, "gpu_busy", "device 0 is full"));
        assertEquals(List.of("launch_refused"), audits(a));
        assertEquals(State.BACKOFF, machine.state());
        assertEquals(0, machine.generation());
        send(VLLM_DOWN);
        assertWaitingFor(List.of("vllm"));
    }
}
