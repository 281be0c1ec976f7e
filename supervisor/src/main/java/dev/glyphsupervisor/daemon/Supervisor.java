package dev.glyphsupervisor.daemon;

import dev.glyphsupervisor.audit.AuditSink;
import dev.glyphsupervisor.core.Action;
import dev.glyphsupervisor.core.Dispatch;
import dev.glyphsupervisor.core.Event;
import dev.glyphsupervisor.core.FailureReport;
import dev.glyphsupervisor.core.OutputTail;
import dev.glyphsupervisor.core.ProbePhase;
import dev.glyphsupervisor.core.RestartHistory;
import dev.glyphsupervisor.core.RuntimeControl;
import dev.glyphsupervisor.core.State;
import dev.glyphsupervisor.core.SupervisorStateMachine;
import dev.glyphsupervisor.metrics.MetricsSink;
import dev.glyphsupervisor.probes.ProbeResult;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The event loop: one thread feeds events to the state machine and carries out its actions in order.
 * Everything else (exit callbacks, probe schedules, timers, stops, signals) only posts events, so the
 * machine is never touched by two threads and its decisions are in a single, audited order.
 *
 * <p>Stops run on their own thread (they wait up to the stop grace) so that the loop stays free to hear
 * a shutdown meanwhile; launches and cache clearing are quick and run on the loop.
 */
final class Supervisor {

    private static final Logger LOG = Logger.getLogger(Supervisor.class.getName());

    /** What other threads may read about the machine, published after every event. */
    public record Snapshot(State state, long generation, long pid, ProbePhase phase,
                           String lastRestartReason, java.time.Instant lastRestartAt, String lastRestartDetail,
                           java.time.Instant launchedAt,
                           String pausedBy, java.time.Instant pausedAt, boolean shuttingDown,
                           SupervisorStateMachine.LaunchRefusal launchRefusal,
                           SupervisorStateMachine.Waiting waiting) {
    }

    private final SupervisorStateMachine machine;
    private final RuntimeControl runtime;
    private final AuditSink audit;
    private final Clock clock;
    private final Supplier<List<ProbeResult>> probes;
    private final Duration startupInterval;
    private final MemoryCheck memory;
    private final MetricsSink metrics;
    /** Told every snapshot, on the loop thread, after it is published (the stack's requirements gate). */
    private volatile java.util.function.Consumer<Snapshot> listener = snapshot -> { };

    /**
     * The daemon's one timer thread, shared by every server's timers (scheduled events, startup polls): a timer
     * only posts an event to a loop or hands work to a server's own thread, never runs anything that may block (a
     * probe, a stop, a log read), so one server's timer never holds up another's. Never shut down (a daemon thread);
     * a timer of a closed server finds its executors closed and is dropped.
     */
    private static final ScheduledExecutorService TIMER = Executors.newSingleThreadScheduledExecutor(named("glyph-timer"));
    /** How long a server's on-demand threads (stopper, startup prober, deadline reader) live idle. */
    private static final Duration IDLE_THREAD = Duration.ofSeconds(5);

    /** The server's own event loop. */
    private final ExecutorService loop = Executors.newSingleThreadExecutor(named("glyph-loop"));
    /** The server's own stops, one at a time; its thread exists only while there are stops (an idle one ends). */
    private final ExecutorService stopper = onDemand("glyph-stop");
    /** The server's own startup probe cycles, while a launch is starting: the timer fires, this thread probes. */
    private final ExecutorService startupProber = onDemand("glyph-startup-probe");
    /** Reads what a launch wrote for a startup deadline that fires, off the timer and off the loop. */
    private final ExecutorService deadlineReader = onDemand("glyph-deadline");
    private final CompletableFuture<Void> finished = new CompletableFuture<>();

    private volatile Snapshot snapshot;
    private volatile List<ProbeResult> lastProbes = List.of();
    /** The generation the last probe results are of: status says when they are from before the current launch. */
    private volatile long lastProbesGeneration = -1;
    private final StateHistory history;
    /** The machine's restart history as of the last restart recorded (the machine is the loop's alone). */
    private volatile RestartHistory restarts;
    private final Dispatch<Action, Void> actions = actions();
    private final Object changes = new Object();
    /** Why the server last failed, while it has not been healthy since; published with the snapshot. */
    private volatile FailureReport lastFailure;
    /** The progress probe, when configured: scraped on each liveness cycle. */
    private final java.util.Optional<ProgressCheck> progress;
    /** The inference probe, when configured: run by its own schedule ({@link #inferenceDue()}). */
    private final java.util.Optional<InferenceCheck> inference;
    /** Inference probe failures in a row of the current generation, as the machine counts them; published. */
    private volatile int inferenceFailures;

    /** The memory side of a liveness cycle: a reading checked against the limits. */
    public interface MemoryCheck {
        /** The breach (or null) and why the GPU could not be read (or null), for generation {@code generation}. */
        Verdict check(long generation);

        /** Also the devices over their limit because of other processes (or null), which restart nothing. */
        record Verdict(dev.glyphsupervisor.core.MemoryBreach breach, String gpuUnknown,
                       dev.glyphsupervisor.core.DeviceOverLimit overLimit) {
            public Verdict(dev.glyphsupervisor.core.MemoryBreach breach, String gpuUnknown) {
                this(breach, gpuUnknown, null);
            }
        }

        MemoryCheck NONE = generation -> new Verdict(null, null);
    }

    public Supervisor(SupervisorStateMachine machine, RuntimeControl runtime, AuditSink audit, Clock clock,
                      Supplier<List<ProbeResult>> probes, Duration startupInterval, MemoryCheck memory,
                      MetricsSink metrics, StateHistory history) {
        this(machine, runtime, audit, clock, probes, startupInterval, memory, metrics, history,
                java.util.Optional.empty(), java.util.Optional.empty());
    }

    /** With the progress and inference probes of {@code probes.progress} and {@code probes.inference}, when configured. */
    Supervisor(SupervisorStateMachine machine, RuntimeControl runtime, AuditSink audit, Clock clock,
               Supplier<List<ProbeResult>> probes, Duration startupInterval, MemoryCheck memory,
               MetricsSink metrics, StateHistory history, java.util.Optional<ProgressCheck> progress,
               java.util.Optional<InferenceCheck> inference) {
        this.progress = progress;
        this.inference = inference;
        this.history = history;
        this.machine = machine;
        this.restarts = history.restarts();
        machine.continueFrom(restarts);
        this.runtime = runtime;
        this.audit = audit;
        this.clock = clock;
        this.probes = probes;
        this.startupInterval = startupInterval;
        this.memory = memory;
        this.metrics = metrics;
        publish();
    }

    /** The server's line in systemd's status: state, generation, restarts. */
    public String statusLine() {
        Snapshot s = snapshot;
        return s.state() + (s.pid() > 0 ? ", pid " + s.pid() : "") + ", generation " + s.generation() + ", "
                + restarts.total() + " restarts" + (s.lastRestartReason() == null ? "" : " (last: " + s.lastRestartReason() + ")");
    }

    /**
     * The watchdog's question: does the event loop run a heartbeat queued now within {@code timeout}? It asks
     * for a fresh answer rather than the age of the last heartbeat, so that the pings stop with the loop's last
     * heartbeat: judged by age, a stuck loop kept the pings going for up to two more intervals, and systemd
     * killed it 80-113 s after it stuck instead of ~WatchdogSec.
     */
    public boolean loopAnswers(Duration timeout) {
        try {
            heartbeat().get(timeout.toNanos(), TimeUnit.NANOSECONDS);
            return true;
        } catch (java.util.concurrent.ExecutionException
                 | java.util.concurrent.TimeoutException e) {
            return false; // closed, or stuck: the heartbeat stays queued and runs if the loop ever comes back
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * A heartbeat queued on the event loop now: completes when the loop has run it, at once exceptionally when the
     * loop is closed. {@link #loopAnswers} and the kubelet's {@code /livez} ({@link StackHealth}) wait on it.
     */
    CompletableFuture<Void> heartbeat() {
        try {
            return CompletableFuture.runAsync(() -> { }, loop);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /**
     * Starts supervising: the first launch, numbered after {@code previousGeneration}, after clearing the caches
     * when the previous generation ended without a clean stop.
     */
    public void start(long previousGeneration, boolean previousEndedUnclean) {
        post(new Event.Start(previousGeneration, previousEndedUnclean));
    }

    /** Supervises a previous daemon's server, healthy and recorded, instead of launching one. */
    void adopt(ServerRecord r, ProcessRuntimeControl runtime) {
        history.launched(r.generation());
        post(new Event.Adopt(r.generation(), r.pid()));
        runtime.watchAdopted(r, code -> post(new Event.Exited(r.generation(), code, runtime.outputTail(r.generation()))));
        metrics.launched(r.launchedAt());
    }

    /** Called by the probe schedule (Quartz): runs the liveness probes if the state wants them. */
    public void scheduledProbe() {
        probeIf(ProbePhase.LIVENESS);
    }

    /** Asks for a graceful stop of the server and of the daemon. */
    public void shutdown(String reason) {
        post(new Event.Shutdown(reason));
    }

    /** Completes when the server is stopped after a shutdown. */
    public CompletableFuture<Void> finished() {
        return finished;
    }

    public Snapshot snapshot() {
        return snapshot;
    }

    /** Why the server last failed, while it has not been healthy since (for status), or null. */
    public FailureReport lastFailure() {
        return lastFailure;
    }

    /** The last cycle's probe results (startup or liveness). */
    public List<ProbeResult> lastProbes() {
        return lastProbes;
    }

    /** The generation {@link #lastProbes()} probed. */
    public long lastProbesGeneration() {
        return lastProbesGeneration;
    }

    /** Restarts decided since {@code since} (at most a day ago), by this daemon and the ones before it. */
    public long restartsSince(java.time.Instant since) {
        return restarts.since(since);
    }

    /** Restarts decided since the state directory was made. */
    public long totalRestarts() {
        return restarts.total();
    }

    public void requestRestart(String reason, String by) {
        post(new Event.OperatorRestart(reason, by));
    }

    public void pause(String by) {
        post(new Event.Pause(by));
    }

    public void resume(String by) {
        post(new Event.Resume(by));
    }

    /** Servers this one requires are not healthy ({@code down}, never empty): it stops, or waits, until {@link #requirementsUp}. */
    public void requirementsDown(List<String> down, String why) {
        post(new Event.RequirementsDown(down, why));
    }

    /** Everything this server requires is healthy: a waiting server is launched. */
    public void requirementsUp() {
        post(new Event.RequirementsUp());
    }

    /** Called by the maintenance schedule. */
    public void maintenanceDue() {
        post(new Event.MaintenanceDue());
    }

    /** Waits until the state satisfies {@code done}, up to {@code timeout}; returns the last snapshot. */
    public Snapshot await(java.util.function.Predicate<Snapshot> done, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (changes) {
            Snapshot s = snapshot;
            while (!done.test(s)) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return s;
                }
                changes.wait(Math.max(1, left / 1_000_000));
                s = snapshot;
            }
            return s;
        }
    }

    /** Stops the daemon's own threads; call after {@link #finished()}. */
    public void close() {
        startupProber.shutdownNow();
        deadlineReader.shutdownNow();
        stopper.shutdownNow();
        loop.shutdown();
    }

    void post(Event event) {
        try {
            loop.execute(() -> handle(event));
        } catch (java.util.concurrent.RejectedExecutionException closed) {
            LOG.fine(() -> "event after close dropped: " + event);
        }
    }

    /** Runs one probe cycle if the state wants this phase; true if it ran. */
    private boolean probeIf(ProbePhase wanted) {
        Snapshot s = snapshot;
        if (s.phase() != wanted) {
            return false;
        }
        try {
            List<ProbeResult> results = probes.get();
            lastProbesGeneration = s.generation();
            lastProbes = results;
            for (ProbeResult r : results) {
                metrics.probe(r.probe(), r.status().name(), r.latency());
            }
            metrics.probeCycle(wanted == ProbePhase.LIVENESS ? "liveness" : "startup");
            if (wanted == ProbePhase.LIVENESS) {
                MemoryCheck.Verdict v = memory.check(s.generation());
                dev.glyphsupervisor.core.ProgressWatch.Reading reading = processGone(results) ? null
                        : progress.map(p -> p.check(s.generation())).orElse(null);
                if (reading != null) {
                    metrics.progress(reading.pending(), reading.stepsPerSecond(), reading.stalledFor());
                    inference.ifPresent(i -> i.progressRead(reading.counter()));
                }
                post(new Event.ProbeCycle(s.generation(), wanted, results, v.breach(), v.gpuUnknown(), v.overLimit(),
                        reading));
            } else {
                post(new Event.ProbeCycle(s.generation(), wanted, results));
            }
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "probe cycle failed", e);
        }
        return true;
    }

    /** The process probe found the main process gone or stopped: its exit is the news, not its metrics. */
    private static boolean processGone(List<ProbeResult> results) {
        return results.stream().anyMatch(r -> r.probe().equals(ProcessAliveProbe.NAME)
                && r.status() == dev.glyphsupervisor.probes.ProbeStatus.FAILURE);
    }

    /**
     * Called by the inference probe's schedule: one real request while the server runs, unless the progress probe
     * shows it did real work since the last time (then the skip is only counted).
     */
    public void inferenceDue() {
        Snapshot s = snapshot;
        if (s.phase() != ProbePhase.LIVENESS || inference.isEmpty()) {
            return;
        }
        try {
            java.util.Optional<dev.glyphsupervisor.probes.inference.InferenceResult> result = inference.get().runUnlessBusy();
            if (result.isPresent()) {
                metrics.inference(result.get().verdict().name().toLowerCase(java.util.Locale.ROOT),
                        java.util.Optional.of(result.get().latency()));
                post(new Event.InferenceDone(s.generation(), result.get()));
            } else {
                metrics.inference("skipped", java.util.Optional.empty());
            }
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "inference probe failed", e);
        }
    }

    /** The progress probe's last reading of the current generation, or null (none configured, or not read yet). */
    public dev.glyphsupervisor.core.ProgressWatch.Reading lastProgress() {
        long generation = snapshot.generation();
        return progress.map(p -> p.last(generation)).orElse(null);
    }

    /** The inference probe's last answer and skip, when one is configured. */
    java.util.Optional<InferenceCheck.Last> lastInference() {
        return inference.map(InferenceCheck::last);
    }

    /** Inference probe failures in a row of the current generation. */
    public int inferenceFailures() {
        return inferenceFailures;
    }

    /**
     * Readiness polling for one launch: every startup_interval until the launch is healthy or replaced.
     * It exists only while a launch is starting, so an idle daemon has no timer waking it up.
     */
    private void pollStartup(long generation) {
        if (snapshot.generation() != generation) {
            return;
        }
        if (probeIf(ProbePhase.STARTUP)) {
            scheduleStartupPoll(generation);
        }
    }

    private void scheduleStartupPoll(long generation) {
        // The shared timer only hands the poll to this server's prober: the probes may block (a health check's timeout).
        after(Duration.ofMillis(Math.max(1, startupInterval.toMillis())), () -> pollStartup(generation), startupProber);
    }

    /** Runs {@code work} on {@code executor} (the server's own) after {@code delay}; nothing after the server closes. */
    private static void after(Duration delay, Runnable work, java.util.concurrent.Executor executor) {
        TIMER.schedule(() -> {
            try {
                executor.execute(work);
            } catch (java.util.concurrent.RejectedExecutionException closed) {
                // the server has closed
            }
        }, delay.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void handle(Event event) {
        try {
            List<Action> actions = machine.handle(event, clock.instant());
            publish();
            for (Action action : actions) {
                execute(action);
            }
        } catch (RuntimeException e) {
            // An audit write failing (disk full) must not kill the loop silently: say so, keep supervising.
            LOG.log(Level.SEVERE, "failed to handle " + event, e);
        }
    }

    private void execute(Action action) {
        actions.accept(action, null);
    }

    /** The action types {@link #execute} carries out (a test holds them against {@link Action}'s permitted types). */
    Set<Class<? extends Action>> handledActions() {
        return actions.types();
    }

    private Dispatch<Action, Void> actions() {
        return new Dispatch<Action, Void>("action")
                .on(Action.Audit.class, (a, unused) -> audit.record(a.event(), a.generation(), a.fields()))
                .on(Action.RestartDecided.class, (r, unused) -> restartDecided(r))
                .on(Action.Launch.class, (l, unused) -> launch(l.generation()))
                .on(Action.Stop.class, (s, unused) -> stopper.execute(() -> {
                    RuntimeControl.StopOutcome outcome = runtime.stop(s.generation(), s.reason());
                    post(new Event.Stopped(s.generation(), outcome.released(), outcome.detail(),
                            runtime.outputTail(s.generation())));
                }))
                .on(Action.ClearCaches.class, (c, unused) -> runtime.clearCaches(c.generation()))
                .on(Action.Schedule.class, (s, unused) -> {
                    Duration delay = Duration.ofMillis(Math.max(0, Duration.between(clock.instant(), s.at()).toMillis()));
                    if (needsOutput(s.event())) {
                        after(delay, () -> post(withOutput(s.event())), deadlineReader); // a log read: off the timer
                    } else {
                        TIMER.schedule(() -> post(s.event()), delay.toMillis(), TimeUnit.MILLISECONDS);
                    }
                })
                .on(Action.StartFailed.class, (f, unused) -> metrics.startFailure(f.cause()))
                .on(Action.Exit.class, (x, unused) -> finished.complete(null));
    }

    /**
     * Recorded first, then published: status, the systemd line and history.json show the restart once its record is
     * written. The count itself is the machine's; this only hands it on.
     */
    private void restartDecided(Action.RestartDecided r) {
        Action.Audit record = r.audit();
        audit.record(record.event(), record.generation(), record.fields());
        restarts = machine.restartHistory();
        history.restarted(restarts);
        metrics.restart(r.reason(), r.at());
    }

    private void launch(long generation) {
        history.launched(generation); // before the launch: a daemon that dies in it leaves no generation to repeat
        // A command that exits at once is judged (exit or fork) before runtime.launch returns; what it tells must
        // still reach the machine after Launched, which would otherwise overwrite a forked main pid with the launcher's.
        CompletableFuture<Void> launched = new CompletableFuture<>();
        try {
            long pid = runtime.launch(generation, new RuntimeControl.Listener() {
                @Override
                public void exited(int exitCode) {
                    // Read here, on the runtime's thread, as the exit is told: the loop never waits on the log.
                    OutputTail output = runtime.outputTail(generation);
                    launched.thenRun(() -> post(new Event.Exited(generation, exitCode, output)));
                }

                @Override
                public void forked(long exitedPid, long mainPid, List<Long> survivors, boolean holdsPort) {
                    launched.thenRun(() -> post(new Event.Forked(generation, exitedPid, mainPid, survivors, holdsPort)));
                }
            });
            post(new Event.Launched(generation, pid));
            metrics.launched(clock.instant());
            scheduleStartupPoll(generation);
        } catch (RuntimeControl.LaunchRefusedException e) {
            // Also on stderr (the journal under systemd): the audit log is not where an operator looks first.
            LOG.warning(() -> "generation " + generation + " not launched: " + e.getMessage());
            post(new Event.LaunchFailed(generation, e.reason(), e.getMessage()));
        } finally {
            // Also when the launch threw after starting the process (an audit write failing): its exit still counts.
            launched.complete(null);
        }
    }

    private static boolean needsOutput(Event event) {
        return event instanceof Event.StartupDeadline d && d.output() == null;
    }

    /** A startup deadline that fires carries what the launch wrote so far, read on the server's deadline reader. */
    private Event withOutput(Event event) {
        if (event instanceof Event.StartupDeadline d && d.output() == null) {
            return new Event.StartupDeadline(d.generation(), runtime.outputTail(d.generation()));
        }
        return event;
    }

    private void publish() {
        lastFailure = machine.lastFailure(); // before the snapshot: whoever sees the new snapshot sees it too
        inferenceFailures = machine.inferenceFailures();
        snapshot = new Snapshot(machine.state(), machine.generation(), machine.pid(), machine.probePhase(),
                machine.lastRestartReason(), machine.lastRestartAt(), machine.lastRestartDetail(),
                machine.launchedAt(),
                machine.pausedBy(), machine.pausedAt(), machine.shuttingDown(), machine.launchRefusal(),
                machine.waiting());
        metrics.state(snapshot.state().name());
        if (!snapshot.state().hasProcess()) {
            metrics.notRunning();
        }
        synchronized (changes) {
            changes.notifyAll();
        }
        listener.accept(snapshot);
    }

    /** Tells {@code listener} every snapshot from now on, on the event loop, after it is published. */
    void onChange(java.util.function.Consumer<Snapshot> listener) {
        this.listener = listener;
    }

    /**
     * A single thread of the server's own, started when there is work and ended after {@link #IDLE_THREAD} idle: tasks
     * still run one at a time, in order, and never wait behind another server's.
     */
    private static ExecutorService onDemand(String name) {
        java.util.concurrent.ThreadPoolExecutor executor = new java.util.concurrent.ThreadPoolExecutor(1, 1,
                IDLE_THREAD.toMillis(), TimeUnit.MILLISECONDS, new java.util.concurrent.LinkedBlockingQueue<>(),
                named(name));
        executor.allowCoreThreadTimeOut(true);
        return executor;
    }

    private static ThreadFactory named(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }
}
