package dev.glyphsupervisor.core;

import dev.glyphsupervisor.probes.ProbeResult;
import dev.glyphsupervisor.probes.ProbeStatus;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.function.DoubleSupplier;

/**
 * The supervisor's decisions: {@code (state, event, now) → (state, actions)}. No I/O, no clock, no
 * threads — the daemon feeds it events one at a time and carries out the actions in order, so every
 * rule here is tested on a fake clock in microseconds.
 *
 * <p>Decisions are announced by {@link Action.Audit} records (a restart by {@link Action.RestartDecided}) placed
 * before the actions they announce.
 * Facts observed while acting (pid of a launch, what a stop killed, what caches were removed) are
 * recorded by the adapters that observe them.
 */
public final class SupervisorStateMachine {

    /**
     * The last launch that did not happen, while none has happened since: what stood in the way ({@code cause}, e.g.
     * {@code gpu_busy}, and its {@code detail}), when, when the next try is due, and how many were refused in a row.
     */
    public record LaunchRefusal(String cause, String detail, Instant at, Instant retryAt, int attempt) {
    }

    /**
     * What a server waiting for what it requires waits for: {@code requires}, the names of those down (as the last
     * {@link Event.RequirementsDown} said), {@code why}, and since when it waits (its {@code waiting} record).
     */
    public record Waiting(List<String> requires, String why, Instant since) {
        public Waiting {
            requires = List.copyOf(requires);
        }
    }

    /** The reason of the stop of a tree whose required servers went down (not a restart: nothing is counted). */
    public static final String REQUIREMENT_DOWN = "requirement_down";

    private final CoreSettings settings;
    private final RestartPolicy restartPolicy;
    private final FailureCauses causes;
    private final int hopelessAfter;
    /** The last failure while the server has not been healthy since; its identicalFailures is the run so far. */
    private FailureReport lastFailure;
    /** The stop in flight follows {@code hopelessAfter} identical failures no retry can fix: FAILED after it. */
    private boolean givingUp;

    /** The fields of {@link AuditEvents#HOPELESS_CAUSE} of its own (the others: {@link Diagnosis#fields}). */
    public static final String IDENTICAL_FAILURES = "identical_failures";
    public static final String HOPELESS_AFTER = "hopeless_after";

    private State state = State.STOPPED;
    private long generation;
    private long pid = -1;
    private Instant launchedAt;
    private Instant healthySince;
    private int consecutiveFailures;
    private String lastStartupProblem = "no probe has answered yet";
    private boolean shuttingDown;
    private long relaunchToken;
    private String lastRestartReason;
    private Instant lastRestartAt;
    /** What stood in the way, for a restart whose values carry a "detail" (a launch refused: who holds the port). */
    private String lastRestartDetail;
    /** Every restart decided in this state directory: the one count (see {@link RestartHistory}). */
    private RestartHistory restartHistory = RestartHistory.NONE;
    /** Its total when this daemon started: what came before counts in status, not in supervisor_stopped. */
    private long restartsBefore;
    private String gpuUnknown;
    /** Why the progress probe cannot read the server's metrics, while it cannot (one record when it starts and ends). */
    private String progressUnknown;
    /** Inference probe failures in a row of the current generation (a slow answer with restart_on_slow counts). */
    private int inferenceFailures;
    /** The stop in flight was asked by an operator or the maintenance schedule: relaunch at once, uncounted. */
    private boolean plannedRestart;
    /** The stop in flight ends in PAUSED ({@code glyphctl stop}). */
    private boolean pausing;
    private String pausedBy;
    private Instant pausedAt;
    /** The state the launch in flight came from: a refused launch goes back to waiting there (FAILED stays FAILED). */
    private State launchedFrom = State.STOPPED;
    private int refusedInARow;
    private LaunchRefusal launchRefusal;
    /** The devices of the episode recorded as over their limit because of other processes; empty when none. */
    private List<Integer> devicesOverLimit = List.of();
    /** The required servers down, as the last RequirementsDown/Up said: the gate is closed while not empty. */
    private List<String> requirementsDown = List.of();
    private String requirementsWhy;
    /** The stop in flight was made because required servers went down: it ends in WAITING, not in a relaunch. */
    private boolean waitAfterStop;
    /** When the present wait began (its first {@code waiting} record), or null while the server does not wait. */
    private Instant waitingSince;
    /** The names the last {@code waiting} record of the present wait gave (another is written when they change). */
    private List<String> waitingRecorded = List.of();

    private final Dispatch<Event, Step> handlers = dispatch();

    public SupervisorStateMachine(CoreSettings settings, DoubleSupplier random) {
        this.settings = settings;
        this.restartPolicy = new RestartPolicy(settings, random);
        this.causes = settings.causes();
        this.hopelessAfter = settings.hopelessAfter();
    }

    /** The last failure while the server has not been healthy since it, or null. */
    public FailureReport lastFailure() {
        return lastFailure;
    }

    public State state() {
        return state;
    }

    public long generation() {
        return generation;
    }

    /** Pid of the current generation's main process, or -1. */
    public long pid() {
        return state.hasProcess() ? pid : -1;
    }

    /** Restarts this daemon decided. */
    public long restarts() {
        return restartHistory.total() - restartsBefore;
    }

    /** Restarts decided in this state directory, by this daemon and the ones before it. */
    public RestartHistory restartHistory() {
        return restartHistory;
    }

    /** Goes on counting from what the daemons before this one decided; before the first event only. */
    public void continueFrom(RestartHistory previous) {
        if (restartHistory.total() != restartsBefore) {
            throw new IllegalStateException("restarts were decided already");
        }
        restartHistory = previous;
        restartsBefore = previous.total();
    }

    public String lastRestartReason() {
        return lastRestartReason;
    }

    public Instant lastRestartAt() {
        return lastRestartAt;
    }

    public String lastRestartDetail() {
        return lastRestartDetail;
    }

    /** The last launch that did not happen while none has happened since, or null. */
    public LaunchRefusal launchRefusal() {
        return launchRefusal;
    }

    public int consecutiveFailures() {
        return consecutiveFailures;
    }

    public boolean shuttingDown() {
        return shuttingDown;
    }

    /** Who paused the server ({@code glyphctl stop}), or null. */
    public String pausedBy() {
        return state == State.PAUSED || pausing ? pausedBy : null;
    }

    public Instant pausedAt() {
        return state == State.PAUSED || pausing ? pausedAt : null;
    }

    /**
     * What the server waits for while it does (state WAITING, or the stop that leads there in flight), or null: the
     * names for a status line such as "WAITING — waiting for vllm".
     */
    public Waiting waiting() {
        boolean waits = state == State.WAITING || (state == State.STOPPING && waitAfterStop && !shuttingDown && !pausing);
        return waits && waitingSince != null ? new Waiting(requirementsDown.isEmpty() ? waitingRecorded : requirementsDown,
                requirementsWhy, waitingSince) : null;
    }

    /** The required servers down as last told, in any state (a paused server remembers them for its resume). */
    public List<String> requirementsDown() {
        return requirementsDown;
    }

    /** When the current generation was launched, or null. */
    public Instant launchedAt() {
        return state.hasProcess() ? launchedAt : null;
    }

    /** Which probing the current state wants. */
    public ProbePhase probePhase() {
        if (shuttingDown) {
            return ProbePhase.NONE;
        }
        return switch (state) {
            case STARTING -> ProbePhase.STARTUP;
            case RUNNING, DEGRADED -> ProbePhase.LIVENESS;
            default -> ProbePhase.NONE;
        };
    }

    /** Handles one event and returns the actions to carry out, in order. */
    public List<Action> handle(Event event, Instant now) {
        List<Action> actions = new ArrayList<>();
        handlers.accept(event, new Step(now, actions));
        return actions;
    }

    /** The event types {@link #handle} dispatches (a test holds them against {@link Event}'s permitted types). */
    Set<Class<? extends Event>> handledEvents() {
        return handlers.types();
    }

    /** What a handler is given with its event: the time, and the list its actions go to. */
    private record Step(Instant now, List<Action> actions) {
    }

    private Dispatch<Event, Step> dispatch() {
        return new Dispatch<Event, Step>("event")
                .on(Event.Start.class, (e, s) -> onStart(e, s.now(), s.actions()))
                .on(Event.Adopt.class, (e, s) -> onAdopt(e, s.now(), s.actions()))
                .on(Event.Launched.class, (e, s) -> onLaunched(e, s.now(), s.actions()))
                .on(Event.LaunchFailed.class, (e, s) -> onLaunchFailed(e, s.now(), s.actions()))
                .on(Event.Exited.class, (e, s) -> onExited(e, s.now(), s.actions()))
                .on(Event.Forked.class, (e, s) -> onForked(e, s.actions()))
                .on(Event.ProbeCycle.class, (e, s) -> onProbeCycle(e, s.now(), s.actions()))
                .on(Event.InferenceDone.class, (e, s) -> onInferenceDone(e, s.now(), s.actions()))
                .on(Event.StartupDeadline.class, (e, s) -> onStartupDeadline(e, s.now(), s.actions()))
                .on(Event.Stopped.class, (e, s) -> onStopped(e, s.now(), s.actions()))
                .on(Event.RelaunchDue.class, (e, s) -> onRelaunchDue(e, s.actions()))
                .on(Event.OperatorRestart.class, (e, s) -> onOperatorRestart(e, s.now(), s.actions()))
                .on(Event.Pause.class, (e, s) -> onPause(e, s.now(), s.actions()))
                .on(Event.Resume.class, (e, s) -> onResume(e, s.now(), s.actions()))
                .on(Event.MaintenanceDue.class, (e, s) -> onMaintenanceDue(s.now(), s.actions()))
                .on(Event.RequirementsDown.class, (e, s) -> onRequirementsDown(e, s.now(), s.actions()))
                .on(Event.RequirementsUp.class, (e, s) -> onRequirementsUp(s.now(), s.actions()))
                .on(Event.Shutdown.class, (e, s) -> onShutdown(e, s.actions()));
    }

    private void onStart(Event.Start e, Instant now, List<Action> actions) {
        if (state == State.STOPPED && !shuttingDown && generation == 0) {
            generation = e.previousGeneration();
            if (e.previousEndedUnclean()) {
                actions.add(new Action.ClearCaches(generation));
            }
            if (gateClosed()) {
                recordWaiting(now, actions);
                state = State.WAITING; // the first launch waits for what the server requires to be healthy
                return;
            }
            launch(actions);
        }
    }

    private void onAdopt(Event.Adopt e, Instant now, List<Action> actions) {
        if (state != State.STOPPED || shuttingDown || generation != 0) {
            return;
        }
        generation = e.generation();
        pid = e.pid();
        launchedAt = now;
        healthySince = now;
        consecutiveFailures = 0;
        newGenerationProbes();
        state = State.RUNNING;
        actions.add(new Action.Audit(AuditEvent.RUNTIME_ADOPTED, generation, fields("pid", e.pid())));
        if (gateClosed()) {
            stopForRequirements(now, actions); // never left running while what it requires is down
        }
    }

    private void onLaunched(Event.Launched e, Instant now, List<Action> actions) {
        if (e.generation() != generation || state != State.STARTING) {
            return;
        }
        pid = e.pid();
        launchedAt = now;
        consecutiveFailures = 0;
        newGenerationProbes();
        refusedInARow = 0;
        launchRefusal = null;
        lastStartupProblem = "no probe has answered yet";
        actions.add(new Action.Schedule(now.plus(settings.startupTimeout()), new Event.StartupDeadline(generation)));
    }

    private void onLaunchFailed(Event.LaunchFailed e, Instant now, List<Action> actions) {
        if (e.generation() != generation || state != State.STARTING) {
            return;
        }
        // A launch that did not happen is not a generation (its number goes to the next launch that does) and not
        // a crash of the server (nothing of it ran): no restart is decided and nothing counts toward a crash loop.
        // It is retried after a backoff of its own, as long as what stands in the way stays.
        long refused = generation;
        generation--;
        if (shuttingDown) {
            finishShutdown(actions);
            return;
        }
        refusedInARow++;
        Duration delay = restartPolicy.retryDelay(refusedInARow);
        relaunchToken++;
        state = launchedFrom == State.FAILED ? State.FAILED : State.BACKOFF;
        launchRefusal = new LaunchRefusal(e.reason(), e.detail(), now, now.plus(delay), refusedInARow);
        actions.add(new Action.Audit(AuditEvent.LAUNCH_REFUSED, refused, fields(
                "cause", e.reason(),
                "detail", e.detail(),
                "attempt", refusedInARow,
                "retry_in_ms", delay.toMillis())));
        actions.add(new Action.Schedule(now.plus(delay), new Event.RelaunchDue(relaunchToken)));
    }

    private void onExited(Event.Exited e, Instant now, List<Action> actions) {
        if (e.generation() != generation || !state.hasProcess()) {
            return; // a stop in progress expects the exit; an older generation is history
        }
        Map<String, Object> exit = exitFields(e.exitCode());
        if (launchedAt != null) {
            exit.put("uptime_ms", Duration.between(launchedAt, now).toMillis());
        }
        Diagnosis why = causes.classify(output(e.output()), OptionalInt.of(e.exitCode()));
        Map<String, Object> exited = new LinkedHashMap<>(exit);
        exited.putAll(why.fields(true));
        actions.add(new Action.Audit(AuditEvent.RUNTIME_EXITED, generation, exited));
        noteFailure("exited", now, e.exitCode(), why, actions);
        exit.putAll(why.fields(false));
        decideRestart(now, "exited", exit, actions);
        stop("exited", actions);
    }

    /** The server daemonized: the same launch goes on, with its main process now the one the adapter chose. */
    private void onForked(Event.Forked e, List<Action> actions) {
        if (e.generation() != generation || !state.hasProcess()) {
            return; // a stop in progress ends the tree whatever it does; an older generation is history
        }
        actions.add(new Action.Audit(AuditEvent.RUNTIME_FORKED, generation, fields(
                "exited_pid", e.exitedPid(),
                "pid", e.mainPid(),
                "survivors", e.survivors(),
                "holds_port", e.holdsPort())));
        pid = e.mainPid();
    }

    private void onProbeCycle(Event.ProbeCycle e, Instant now, List<Action> actions) {
        if (e.generation() != generation || shuttingDown) {
            return;
        }
        ProbeStatus outcome = outcome(e.results());
        if (state == State.STARTING && e.phase() == ProbePhase.STARTUP) {
            if (outcome == ProbeStatus.SUCCESS) {
                state = State.RUNNING;
                healthySince = now;
                lastFailure = null;
                actions.add(new Action.Audit(AuditEvent.RUNTIME_HEALTHY, generation, fields(
                        "pid", pid,
                        "startup_ms", launchedAt == null ? null : Duration.between(launchedAt, now).toMillis())));
            } else {
                lastStartupProblem = summary(e.results());
            }
            return;
        }
        if ((state != State.RUNNING && state != State.DEGRADED) || e.phase() != ProbePhase.LIVENESS) {
            return;
        }
        noteGpuReadability(e.gpuUnknown(), actions);
        noteDevicesOverLimit(e.overLimit(), actions);
        if (e.breach() != null) {
            // A memory limit is a verdict of its own: one reading over it is enough (memory does not heal).
            decideRestart(now, e.breach().reason(), e.breach().values(), actions);
            stop(e.breach().reason(), actions);
            return;
        }
        if (e.progress() != null) {
            noteProgress(e.progress(), actions);
            if (e.progress().status() == ProgressWatch.Status.STALLED) {
                // Work pending and the engine's step counter flat for stall_after: hung, whatever /health says.
                decideRestart(now, STALLED, e.progress().values(), actions);
                stop(STALLED, actions);
                return;
            }
        }
        switch (outcome) {
            case SUCCESS -> {
                if (state == State.DEGRADED) {
                    actions.add(new Action.Audit(AuditEvent.RUNTIME_RECOVERED, generation, fields(
                            "failures_before", consecutiveFailures)));
                }
                consecutiveFailures = 0;
                state = State.RUNNING;
            }
            case UNKNOWN -> actions.add(new Action.Audit(AuditEvent.PROBE_UNKNOWN, generation, fields(
                    "results", describe(e.results()))));
            case FAILURE -> {
                consecutiveFailures++;
                for (ProbeResult r : e.results()) {
                    if (r.status() == ProbeStatus.FAILURE) {
                        actions.add(new Action.Audit(AuditEvent.PROBE_FAILED, generation, fields(
                                "probe", r.probe(),
                                "detail", r.detail(),
                                "latency_ms", r.latency().toMillis(),
                                "consecutive", consecutiveFailures,
                                "threshold", settings.failureThreshold())));
                    }
                }
                if (consecutiveFailures >= settings.failureThreshold()) {
                    Map<String, Object> why = fields(
                            "failures", consecutiveFailures,
                            "threshold", settings.failureThreshold(),
                            "results", describe(e.results()));
                    decideRestart(now, "unhealthy", why, actions);
                    stop("unhealthy", actions);
                } else {
                    state = State.DEGRADED;
                }
            }
        }
    }

    /** The restart reason of a hung engine (the progress probe's verdict). */
    public static final String STALLED = "stalled";
    /** The restart reason of inference_failure_threshold failed inference probes in a row. */
    public static final String INFERENCE_FAILED = "inference_failed";
    /** The restart reason of slow inference answers in a row, with restart_on_slow. */
    public static final String INFERENCE_SLOW = "inference_slow";

    /** What only one generation's probes know starts again with each launch. */
    private void newGenerationProbes() {
        inferenceFailures = 0;
        progressUnknown = null;
    }

    /** Unreadable metrics are worth one record when it starts and one when it ends; a counter reset, one record. */
    private void noteProgress(ProgressWatch.Reading reading, List<Action> actions) {
        String unknown = reading.status() == ProgressWatch.Status.UNKNOWN ? reading.detail() : null;
        if (unknown != null && progressUnknown == null) {
            actions.add(new Action.Audit(AuditEvent.PROGRESS_UNKNOWN, generation, fields("detail", unknown)));
        } else if (unknown == null && progressUnknown != null) {
            actions.add(new Action.Audit(AuditEvent.PROGRESS_KNOWN, generation, fields("was", progressUnknown)));
        }
        progressUnknown = unknown;
        if (reading.status() == ProgressWatch.Status.RESET) {
            actions.add(new Action.Audit(AuditEvent.PROGRESS_RESET, generation, fields(
                    "detail", reading.detail(),
                    "counter", reading.counter().isPresent() ? reading.counter().getAsDouble() : null)));
        }
    }

    private void onInferenceDone(Event.InferenceDone e, Instant now, List<Action> actions) {
        if (e.generation() != generation || shuttingDown || (state != State.RUNNING && state != State.DEGRADED)) {
            return; // a stop in flight, or an older generation's answer
        }
        dev.glyphsupervisor.probes.inference.InferenceResult r = e.result();
        long latencyMs = r.latency().toMillis();
        Integer status = r.status().isPresent() ? r.status().getAsInt() : null;
        switch (r.verdict()) {
            case OK -> {
                if (inferenceFailures > 0) {
                    actions.add(new Action.Audit(AuditEvent.INFERENCE_RECOVERED, generation,
                            fields("failures_before", inferenceFailures)));
                }
                inferenceFailures = 0;
            }
            case SLOW -> {
                boolean counts = settings.restartOnSlowInference();
                actions.add(new Action.Audit(AuditEvent.INFERENCE_SLOW, generation, fields(
                        "detail", r.detail(), "latency_ms", latencyMs, "restart", counts)));
                if (counts) {
                    inferenceFailed(now, INFERENCE_SLOW, r.detail(), latencyMs, status, actions);
                } else {
                    inferenceFailures = 0; // it answered, and right: slow is reported, not held against it
                }
            }
            case FAILED -> {
                actions.add(new Action.Audit(AuditEvent.INFERENCE_FAILED, generation, fields(
                        "detail", r.detail(), "latency_ms", latencyMs, "status", status,
                        "consecutive", inferenceFailures + 1, "threshold", settings.inferenceFailureThreshold())));
                inferenceFailed(now, INFERENCE_FAILED, r.detail(), latencyMs, status, actions);
            }
        }
    }

    private void inferenceFailed(Instant now, String reason, String detail, long latencyMs, Integer status,
                                 List<Action> actions) {
        inferenceFailures++;
        if (inferenceFailures >= settings.inferenceFailureThreshold()) {
            decideRestart(now, reason, fields(
                    "failures", inferenceFailures,
                    "threshold", settings.inferenceFailureThreshold(),
                    "detail", detail,
                    "latency_ms", latencyMs,
                    "status", status), actions);
            stop(reason, actions);
        }
    }

    /** Inference probe failures in a row of the current generation. */
    public int inferenceFailures() {
        return inferenceFailures;
    }

    /** An unreadable GPU is worth one record when it starts and one when it ends, not one per cycle. */
    private void noteGpuReadability(String unknown, List<Action> actions) {
        if (java.util.Objects.equals(unknown, gpuUnknown)) {
            return;
        }
        if (unknown != null) {
            actions.add(new Action.Audit(AuditEvent.GPU_UNKNOWN, generation, fields("reason", unknown)));
        } else {
            actions.add(new Action.Audit(AuditEvent.GPU_READABLE, generation, fields("was", gpuUnknown)));
        }
        gpuUnknown = unknown;
    }

    /**
     * A device over its limit because of other processes is no reason to restart (it would not help), but worth one
     * record when the episode starts, naming who holds what, and one when it ends.
     */
    private void noteDevicesOverLimit(DeviceOverLimit over, List<Action> actions) {
        List<Integer> devices = over == null ? List.of() : over.devices();
        if (devices.equals(devicesOverLimit)) {
            return;
        }
        if (!devices.isEmpty()) {
            Map<String, Object> values = new LinkedHashMap<>(over.values());
            values.put("restart", false);
            actions.add(new Action.Audit(AuditEvent.DEVICE_OVER_LIMIT, generation, values));
        } else {
            actions.add(new Action.Audit(AuditEvent.DEVICE_WITHIN_LIMIT, generation,
                    fields("devices", devicesOverLimit)));
        }
        devicesOverLimit = devices;
    }

    private void onStartupDeadline(Event.StartupDeadline e, Instant now, List<Action> actions) {
        if (e.generation() != generation || state != State.STARTING || shuttingDown) {
            return;
        }
        Diagnosis why = causes.classify(output(e.output()), OptionalInt.empty());
        noteFailure("startup_timeout", now, null, why, actions);
        Map<String, Object> values = fields(
                "startup_timeout_ms", settings.startupTimeout().toMillis(),
                "last_probe", lastStartupProblem);
        values.putAll(why.fields(true));
        decideRestart(now, "startup_timeout", values, actions);
        stop("startup_timeout", actions);
    }

    private void onStopped(Event.Stopped e, Instant now, List<Action> actions) {
        if (e.generation() != generation || state != State.STOPPING) {
            return;
        }
        boolean giveUp = givingUp;
        givingUp = false;
        boolean waitingForRequirements = waitAfterStop;
        waitAfterStop = false;
        if (shuttingDown) {
            finishShutdown(actions);
            return;
        }
        if (pausing) {
            pausing = false;
            plannedRestart = false;
            endWaiting();
            state = State.PAUSED;
            return;
        }
        actions.add(new Action.ClearCaches(generation));
        if (waitingForRequirements || gateClosed()) {
            // A required server went down: no relaunch, counted or not, while it is; a failure of this server that
            // the stop followed is not accounted toward a crash loop (it most likely was the required one's).
            plannedRestart = false;
            if (!e.released()) {
                actions.add(new Action.Audit(AuditEvent.RELEASE_FAILED, generation, fields("detail", e.detail())));
            }
            if (gateClosed()) {
                recordWaiting(now, actions);
                state = State.WAITING;
            } else {
                launchAfterWaiting(now, actions); // what it required came back during the stop
            }
            return;
        }
        if (plannedRestart && e.released()) {
            // An operator's or the schedule's restart is not a failure: no backoff, not counted toward a crash loop.
            plannedRestart = false;
            launch(actions);
            return;
        }
        plannedRestart = false;
        if (!e.released()) {
            // The old tree or a foreign process still holds what the next launch needs: relaunching now
            // would fail, so this counts like any failed restart and backs off toward a crash loop.
            actions.add(new Action.Audit(AuditEvent.RELEASE_FAILED, generation, fields("detail", e.detail())));
        }
        scheduleRelaunch(now, actions, giveUp, e.output());
    }

    private void onRelaunchDue(Event.RelaunchDue e, List<Action> actions) {
        if (e.token() != relaunchToken || (state != State.BACKOFF && state != State.FAILED) || shuttingDown || pausing) {
            return;
        }
        launch(actions);
    }

    private void onOperatorRestart(Event.OperatorRestart e, Instant now, List<Action> actions) {
        if (shuttingDown || state == State.PAUSED || pausing) {
            return; // paused: `glyphctl start` resumes; the control channel tells the caller
        }
        if (gateClosed()) {
            // Launching now would break the gate: nothing is launched or counted; the launch when what the server
            // requires is healthy again serves this request.
            actions.add(new Action.Audit(AuditEvent.RESTART_WAITING, generation, fields(
                    "requested_reason", e.reason(), "by", e.by(), "requires", requirementsDown)));
            return;
        }
        switch (state) {
            // STARTING too: the launch in progress may predate what the operator changed (the launch script, the
            // model path), so it is stopped and launched again, as systemctl, supervisorctl and PM2 do.
            case STARTING, RUNNING, DEGRADED -> {
                decideRestart(now, "operator", fields("requested_reason", e.reason(), "by", e.by(),
                        "state", state.name()), actions);
                plannedRestart = true;
                stop("operator", actions);
            }
            case BACKOFF, FAILED, STOPPED -> {
                restartDecided(now, "operator", fields(
                        "reason", "operator", "requested_reason", e.reason(), "by", e.by(), "state", state.name()), actions);
                relaunchToken++; // the pending backoff or slow retry is replaced by this launch
                launch(actions);
            }
            default -> {
                // STOPPING: the launch that follows this stop has not happened yet, so it serves this request too.
                actions.add(new Action.Audit(AuditEvent.RESTART_COALESCED, generation, fields(
                        "requested_reason", e.reason(), "by", e.by(), "state", state.name())));
            }
        }
    }

    private void onPause(Event.Pause e, Instant now, List<Action> actions) {
        if (shuttingDown || state == State.PAUSED || pausing) {
            return;
        }
        pausedBy = e.by();
        pausedAt = now;
        actions.add(new Action.Audit(AuditEvent.PAUSED, generation, fields("by", e.by(), "state", state.name(), "pid", pid())));
        if (state.hasProcess()) {
            pausing = true;
            stop("operator_stop", actions);
        } else if (state == State.STOPPING) {
            pausing = true; // the stop in flight ends in PAUSED instead of a relaunch
        } else {
            relaunchToken++; // no backoff or slow retry may launch while paused
            launchRefusal = null;
            endWaiting(); // a paused server waits for nothing; its resume looks at the gate again
            state = State.PAUSED;
        }
    }

    private void onResume(Event.Resume e, Instant now, List<Action> actions) {
        if (shuttingDown) {
            return;
        }
        if (pausing) {
            pausing = false; // resumed before the pause's stop finished: the stop is then a restart
            plannedRestart = true;
            actions.add(new Action.Audit(AuditEvent.RESUMED, generation, fields("by", e.by(), "paused_by", pausedBy)));
            return;
        }
        if (state != State.PAUSED) {
            return;
        }
        actions.add(new Action.Audit(AuditEvent.RESUMED, generation, fields("by", e.by(), "paused_by", pausedBy)));
        if (gateClosed()) {
            recordWaiting(now, actions);
            state = State.WAITING;
            return;
        }
        launch(actions);
    }

    /**
     * Required servers are down: a tree running or starting is stopped (planned: not a restart, no backoff, nothing
     * toward a crash loop), a pending relaunch is cancelled, a stop in flight ends in WAITING; a paused server only
     * remembers it (its resume waits), and one not started yet waits at its start.
     */
    private void onRequirementsDown(Event.RequirementsDown e, Instant now, List<Action> actions) {
        requirementsDown = e.down();
        requirementsWhy = e.why();
        if (shuttingDown) {
            return;
        }
        switch (state) {
            case STARTING, RUNNING, DEGRADED -> stopForRequirements(now, actions);
            case STOPPING -> {
                if (!pausing) {
                    recordWaiting(now, actions);
                    waitAfterStop = true; // the relaunch (or planned launch) after this stop waits instead
                }
            }
            case BACKOFF, FAILED -> {
                recordWaiting(now, actions);
                relaunchToken++; // the pending backoff or slow retry may not launch
                launchRefusal = null;
                state = State.WAITING;
            }
            case WAITING -> recordWaiting(now, actions); // written only when the names changed
            default -> {
                // STOPPED (not started yet: its start waits) and PAUSED (its resume waits): remembered only
            }
        }
    }

    /** Everything required is healthy: a waiting server is launched now; a stop in flight launches when it ends. */
    private void onRequirementsUp(Instant now, List<Action> actions) {
        requirementsDown = List.of();
        requirementsWhy = null;
        if (shuttingDown) {
            return;
        }
        if (state == State.WAITING) {
            launchAfterWaiting(now, actions);
        }
    }

    private void onMaintenanceDue(Instant now, List<Action> actions) {
        if (shuttingDown) {
            return;
        }
        if (!state.hasProcess()) {
            actions.add(new Action.Audit(AuditEvent.MAINTENANCE_SKIPPED, generation, fields("why", "state " + state.name())));
            return;
        }
        // A launch still starting is judged by its age like a running one: skipped when recent, else restarted.
        // Not yet reported launched (launchedAt null): it is as recent as can be.
        if (launchedAt == null
                || Duration.between(launchedAt, now).compareTo(settings.maintenanceSkipWithin()) < 0) {
            actions.add(new Action.Audit(AuditEvent.MAINTENANCE_SKIPPED, generation, fields(
                    "why", "restarted recently",
                    "launched_at", launchedAt == null ? null : launchedAt.toString(),
                    "skip_within_ms", settings.maintenanceSkipWithin().toMillis())));
            return;
        }
        decideRestart(now, "maintenance", fields("uptime_ms", Duration.between(launchedAt, now).toMillis()), actions);
        plannedRestart = true;
        stop("maintenance", actions);
    }

    private void onShutdown(Event.Shutdown e, List<Action> actions) {
        if (shuttingDown) {
            return;
        }
        shuttingDown = true;
        if (state.hasProcess()) {
            actions.add(new Action.Audit(AuditEvent.SUPERVISOR_STOPPING, generation, fields("reason", e.reason(), "pid", pid)));
            stop("shutdown", actions);
        } else if (state == State.STOPPING) {
            // the stop in flight finishes first; its Stopped event ends the shutdown
            actions.add(new Action.Audit(AuditEvent.SUPERVISOR_STOPPING, generation, fields("reason", e.reason())));
        } else {
            actions.add(new Action.Audit(AuditEvent.SUPERVISOR_STOPPING, generation, fields("reason", e.reason())));
            finishShutdown(actions);
        }
    }

    // --- helpers -------------------------------------------------------------------------------

    private boolean gateClosed() {
        return !requirementsDown.isEmpty();
    }

    private void stopForRequirements(Instant now, List<Action> actions) {
        recordWaiting(now, actions);
        healthySince = null;
        waitAfterStop = true;
        stop(REQUIREMENT_DOWN, actions);
    }

    /** Writes a {@code waiting} record when the wait begins, or when the names it waits for change. */
    private void recordWaiting(Instant now, List<Action> actions) {
        if (waitingSince == null) {
            waitingSince = now;
        }
        if (requirementsDown.equals(waitingRecorded)) {
            return;
        }
        waitingRecorded = requirementsDown;
        actions.add(new Action.Audit(AuditEvent.WAITING, generation, fields(
                "requires", requirementsDown,
                "why", requirementsWhy,
                "state", state.name(),
                "pid", pid())));
    }

    private void endWaiting() {
        waitingSince = null;
        waitingRecorded = List.of();
    }

    /**
     * The wait is over: launched at once, as a first launch. The server did nothing wrong, so the backoff starts
     * again from its first step (the crash-loop window keeps its own failures).
     */
    private void launchAfterWaiting(Instant now, List<Action> actions) {
        actions.add(new Action.Audit(AuditEvent.REQUIREMENTS_MET, generation, fields(
                "requires", waitingRecorded,
                "waited_ms", waitingSince == null ? null : Duration.between(waitingSince, now).toMillis())));
        endWaiting();
        restartPolicy.resetBackoff();
        refusedInARow = 0;
        launchRefusal = null;
        launch(actions);
    }

    private void launch(List<Action> actions) {
        launchedFrom = state;
        generation++;
        state = State.STARTING;
        pid = -1;
        launchedAt = null;
        actions.add(new Action.Launch(generation));
    }

    private void stop(String reason, List<Action> actions) {
        state = State.STOPPING;
        actions.add(new Action.Stop(generation, reason));
    }

    private void decideRestart(Instant now, String reason, Map<String, Object> values, List<Action> actions) {
        if (healthySince != null && (state == State.RUNNING || state == State.DEGRADED)) {
            restartPolicy.healthyFor(Duration.between(healthySince, now));
        }
        healthySince = null;
        lastRestartReason = reason;
        lastRestartAt = now;
        lastRestartDetail = values.get("detail") instanceof String detail ? detail : null;
        Map<String, Object> record = new LinkedHashMap<>();
        record.put("reason", reason);
        record.put("pid", pid);
        record.putAll(values);
        restartDecided(now, reason, record, actions);
    }

    /** Every restart decision ends here: counted once, then announced. */
    private void restartDecided(Instant now, String reason, Map<String, Object> record, List<Action> actions) {
        restartHistory = restartHistory.plus(now);
        actions.add(new Action.RestartDecided(generation, reason, now, record));
    }

    /**
     * {@code giveUp}: the failure before this relaunch is one no retry can fix, seen {@code hopelessAfter} times in a
     * row: FAILED with the slow retry, whatever the crash-loop budget says. {@code stoppedOutput}: what the launch
     * wrote, read after its stop, for a crash-loop record whose restart read nothing (an unhealthy server).
     */
    private void scheduleRelaunch(Instant now, List<Action> actions, boolean giveUp, OutputTail stoppedOutput) {
        RestartPolicy.Decision d = restartPolicy.restart(now);
        relaunchToken++;
        if (giveUp && lastFailure != null) {
            state = State.FAILED;
            lastFailure = lastFailure.givenUp();
            Map<String, Object> values = lastFailure.diagnosis().fields(true);
            values.put(IDENTICAL_FAILURES, lastFailure.identicalFailures());
            values.put(HOPELESS_AFTER, hopelessAfter);
            values.put("retry_in_ms", settings.backoffMax().toMillis());
            actions.add(new Action.Audit(AuditEvent.HOPELESS_CAUSE, generation, values));
            actions.add(new Action.Schedule(now.plus(settings.backoffMax()), new Event.RelaunchDue(relaunchToken)));
            return;
        }
        if (d.crashLoop()) {
            state = State.FAILED;
            if (lastFailure == null) {
                lastFailure = new FailureReport(lastRestartReason == null ? "unknown" : lastRestartReason,
                        lastRestartAt == null ? now : lastRestartAt, false, null,
                        causes.classify(output(stoppedOutput), OptionalInt.empty()), 1, false);
            }
            Map<String, Object> values = fields(
                    "restarts_in_window", d.restartsInWindow(),
                    "max_restarts", settings.crashLoopMaxRestarts(),
                    "window_ms", settings.crashLoopWindow().toMillis(),
                    "retry_in_ms", d.delay().toMillis());
            values.putAll(lastFailure.diagnosis().fields(true));
            actions.add(new Action.Audit(AuditEvent.CRASH_LOOP, generation, values));
            actions.add(new Action.Schedule(now.plus(d.delay()), new Event.RelaunchDue(relaunchToken)));
            return;
        }
        if (d.delay().isZero()) {
            launch(actions);
            return;
        }
        state = State.BACKOFF;
        actions.add(new Action.Audit(AuditEvent.BACKOFF, generation, fields(
                "delay_ms", d.delay().toMillis(),
                "attempt", d.attempt(),
                "restarts_in_window", d.restartsInWindow())));
        actions.add(new Action.Schedule(now.plus(d.delay()), new Event.RelaunchDue(relaunchToken)));
    }

    /**
     * Keeps {@code why} as the last failure, counts it among identical ones, and decides whether the stop that follows
     * ends in FAILED: exits before a first healthy answer ({@code exitCode} not null, state STARTING) run up the count
     * while their signatures are the same; anything else starts it again.
     */
    private void noteFailure(String reason, Instant now, Integer exitCode, Diagnosis why, List<Action> actions) {
        boolean beforeHealthy = state == State.STARTING;
        boolean countable = beforeHealthy && exitCode != null;
        FailureReport previous = lastFailure;
        int identical = countable && previous != null && previous.beforeHealthy() && previous.exitCode() != null
                && previous.diagnosis().signature().equals(why.signature()) ? previous.identicalFailures() + 1 : 1;
        lastFailure = new FailureReport(reason, now, beforeHealthy, exitCode, why, identical, false);
        givingUp = countable && !why.retry() && identical >= hopelessAfter;
        if (beforeHealthy) {
            actions.add(new Action.StartFailed(generation, why.cause()));
        }
    }

    private static OutputTail output(OutputTail output) {
        return output == null ? OutputTail.NONE : output;
    }

    private void finishShutdown(List<Action> actions) {
        state = State.STOPPED;
        actions.add(new Action.Audit(AuditEvent.SUPERVISOR_STOPPED, generation, fields("restarts", restarts())));
        actions.add(new Action.Exit());
    }

    /** Any FAILURE fails the cycle; else any UNKNOWN makes it unknown; else it succeeded. */
    static ProbeStatus outcome(List<ProbeResult> results) {
        boolean unknown = false;
        for (ProbeResult r : results) {
            if (r.status() == ProbeStatus.FAILURE) {
                return ProbeStatus.FAILURE;
            }
            unknown |= r.status() == ProbeStatus.UNKNOWN;
        }
        return unknown || results.isEmpty() ? ProbeStatus.UNKNOWN : ProbeStatus.SUCCESS;
    }

    private static List<Map<String, Object>> describe(List<ProbeResult> results) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (ProbeResult r : results) {
            out.add(fields("probe", r.probe(), "status", r.status().name(), "detail", r.detail(),
                    "latency_ms", r.latency().toMillis()));
        }
        return out;
    }

    private static String summary(List<ProbeResult> results) {
        StringBuilder sb = new StringBuilder();
        for (ProbeResult r : results) {
            if (r.status() != ProbeStatus.SUCCESS) {
                if (sb.length() > 0) {
                    sb.append("; ");
                }
                sb.append(r.probe()).append(": ").append(r.detail());
            }
        }
        return sb.length() == 0 ? "no probe has answered yet" : sb.toString();
    }

    static Map<String, Object> exitFields(int exitCode) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("exit_code", exitCode);
        m.put("signal", exitCode > 128 && exitCode < 128 + 65 ? SignalNames.name(exitCode - 128) : null);
        return m;
    }

    /** An insertion-ordered map from alternating keys and values (nulls allowed, unlike Map.of). */
    static Map<String, Object> fields(Object... keyValues) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            m.put((String) keyValues[i], keyValues[i + 1]);
        }
        return m;
    }
}
