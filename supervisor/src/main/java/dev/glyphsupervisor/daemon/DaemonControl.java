package dev.glyphsupervisor.daemon;

import dev.glyphsupervisor.config.CrashLoopConfig;
import dev.glyphsupervisor.config.HumanDuration;
import dev.glyphsupervisor.config.InferenceProbeConfig;
import dev.glyphsupervisor.config.ProgressProbeConfig;
import dev.glyphsupervisor.config.ServerConfig;
import dev.glyphsupervisor.config.SupervisorConfig;
import dev.glyphsupervisor.control.ControlRequest;
import dev.glyphsupervisor.control.ServersReply;
import dev.glyphsupervisor.control.RestartReply;
import dev.glyphsupervisor.control.StartReply;
import dev.glyphsupervisor.control.StatusReply;
import dev.glyphsupervisor.control.StopReply;
import dev.glyphsupervisor.core.MemorySample;
import dev.glyphsupervisor.core.MemoryWatch;
import dev.glyphsupervisor.core.ProbePhase;
import dev.glyphsupervisor.core.ProgressWatch;
import dev.glyphsupervisor.core.State;
import dev.glyphsupervisor.core.SupervisorStateMachine;
import dev.glyphsupervisor.probes.gpu.DeviceReading;
import dev.glyphsupervisor.probes.gpu.GpuReading;
import dev.glyphsupervisor.probes.ProbeResult;
import dev.glyphsupervisor.probes.inference.InferenceResult;
import dev.glyphsupervisor.probes.progress.Engine;
import dev.glyphsupervisor.runtime.ProcInfo;
import dev.glyphsupervisor.runtime.ProcessTable;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * What the control channel's commands do in the daemon: report status, and turn restart / stop / start
 * into events for the state machine (with the caller's user name, which the machine audits).
 */
final class DaemonControl {

    private final Supervisor supervisor;
    private final SupervisorConfig config;
    private final ServerConfig server;
    private final Clock clock;
    private final Instant daemonStarted;
    private final MemoryWatch memory;
    private final MemoryReader reader;
    private final Supplier<Optional<Instant>> nextProbe;
    private final Supplier<Optional<Instant>> nextMaintenance;
    private final Supplier<Optional<Instant>> nextInference;

    DaemonControl(Supervisor supervisor, SupervisorConfig config, ServerConfig server, Clock clock, Instant daemonStarted,
                  MemoryWatch memory, MemoryReader reader, Supplier<Optional<Instant>> nextProbe,
                  Supplier<Optional<Instant>> nextMaintenance, Supplier<Optional<Instant>> nextInference) {
        this.supervisor = supervisor;
        this.config = config;
        this.server = server;
        this.clock = clock;
        this.daemonStarted = daemonStarted;
        this.memory = memory;
        this.reader = reader;
        this.nextProbe = nextProbe;
        this.nextMaintenance = nextMaintenance;
        this.nextInference = nextInference;
    }

    ServerConfig server() {
        return server;
    }

    Supervisor supervisor() {
        return supervisor;
    }

    /** The server's line in {@code glyphctl status} of several servers. */
    ServersReply.Line line(List<String> waitingFor) {
        Supervisor.Snapshot s = supervisor.snapshot();
        Instant now = clock.instant();
        Long gpu = lastReading().filter(f -> f.current(s)).map(Figures::treeGpu).orElse(null);
        return new ServersReply.Line(server.name(), s.state().name(), s.pid() > 0 ? s.pid() : null, s.generation(),
                s.launchedAt() == null || !s.state().hasProcess() ? null : Duration.between(s.launchedAt(), now).toSeconds(),
                supervisor.totalRestarts(), supervisor.restartsSince(now.minus(Duration.ofDays(1))), gpu,
                server.requires(), waitingFor, s.pausedBy(), probeNote(s));
    }

    /**
     * A few words for the overview when the running server's progress or inference probe needs a look: a counter flat
     * under pending work, metrics that cannot be read, inference failures in a row, a slow answer. Null otherwise.
     */
    private String probeNote(Supervisor.Snapshot s) {
        if (!s.state().hasProcess() || s.phase() != ProbePhase.LIVENESS) {
            return null;
        }
        List<String> notes = new ArrayList<>();
        ProgressWatch.Reading r = supervisor.lastProgress();
        if (r != null && (r.status() == ProgressWatch.Status.FLAT || r.status() == ProgressWatch.Status.STALLED)) {
            notes.add("no progress " + r.stalledFor().map(d -> d.toSeconds() + " s").orElse(""));
        } else if (r != null && r.status() == ProgressWatch.Status.UNKNOWN) {
            notes.add("progress unknown");
        }
        server.probes().inference().ifPresent(c -> {
            int failures = supervisor.inferenceFailures();
            InferenceResult last = supervisor.lastInference().map(InferenceCheck.Last::result).orElse(null);
            if (failures > 0) {
                notes.add("inference failing " + failures + "/" + c.failureThreshold());
            } else if (last != null && last.verdict() == InferenceResult.Verdict.SLOW) {
                notes.add("inference slow");
            }
        });
        return notes.isEmpty() ? null : String.join(", ", notes).strip();
    }

    StatusReply status() {
        Supervisor.Snapshot s = supervisor.snapshot();
        Instant now = clock.instant();
        List<StatusReply.ProbeLine> probes = new ArrayList<>();
        for (ProbeResult r : supervisor.lastProbes()) {
            probes.add(new StatusReply.ProbeLine(r.probe(), r.status().name(), r.detail(), r.latency().toNanos() / 1e6));
        }
        // Results of an earlier generation (the server since stopped, or a new launch not yet probed) are said to be.
        long probed = supervisor.lastProbesGeneration();
        Optional<Figures> last = lastReading();
        SupervisorStateMachine.LaunchRefusal refusal = s.launchRefusal();
        StatusReply.LaunchRefused refused = refusal != null && (s.state() == State.BACKOFF || s.state() == State.FAILED)
                ? new StatusReply.LaunchRefused(refusal.cause(), refusal.detail(), refusal.at(), refusal.retryAt(),
                        refusal.attempt())
                : null;
        return new StatusReply(s.state().name(), s.pid() > 0 ? s.pid() : null,
                // The launched command leads its group; a process it forked into the background may not (runtime_forked).
                s.pid() > 0 ? ProcessTable.get(s.pid()).map(ProcInfo::pgid).orElse(s.pid()) : null,
                s.generation(), s.launchedAt() == null ? null : Duration.between(s.launchedAt(), now).toSeconds(),
                ProcessHandle.current().pid(), Duration.between(daemonStarted, now).toSeconds(),
                new StatusReply.Restarts(supervisor.totalRestarts(), supervisor.restartsSince(now.minus(Duration.ofDays(1)))),
                new StatusReply.LastRestart(s.lastRestartReason(), s.lastRestartAt(), s.lastRestartDetail()),
                FailureStatus.of(supervisor.lastFailure(), server), probes, probed < 0 ? null : probed,
                probed == s.generation() && s.state().hasProcess(), gpu(s, last), hostMemory(s, last),
                progress(s, now), inference(), refused,
                s.pausedBy(), s.pausedAt(), nextProbe.get().orElse(null), nextMaintenance.get().orElse(null),
                config.source().toAbsolutePath().normalize().toString(), config.audit().path().toString());
    }

    /**
     * The memory watch's last reading: its generation and time, and its figures (null: unknown). The only reader
     * of {@link MemoryWatch#summary()}; empty before the first reading (never, without a memory probe).
     */
    private Optional<Figures> lastReading() {
        return memory.summary().map(m -> new Figures(m.generation(), m.at(), figure(m.treeGpu()),
                figure(m.gpuGrowthPerHour()), figure(m.gpuSecondsToLimit()), figure(m.treeRss()),
                figure(m.rssGrowthPerHour()), figure(m.hostAvailable())));
    }

    /** A figure of the summary, or null (unknown, or negative: a shrinking tree shows no growth). */
    private static Long figure(OptionalLong value) {
        return value.isPresent() && value.getAsLong() >= 0 ? value.getAsLong() : null;
    }

    /** The limit that applies to a device of {@code total} bytes, or null for none. */
    private Long deviceLimit(long total) {
        return orNull(memory.deviceLimit(total));
    }

    /** One memory reading, as the status shows it; a figure is null when it is unknown. */
    private record Figures(long generation, Instant at, Long treeGpu, Long gpuGrowthPerHour, Long gpuTimeToLimitS,
                           Long treeRss, Long rssGrowthPerHour, Long hostAvailable) {

        /** Whether this is the current generation's (a running server's) reading. */
        boolean current(Supervisor.Snapshot s) {
            return s.state().hasProcess() && generation == s.generation();
        }
    }

    /**
     * Where the last memory reading comes from: its generation, its time, and whether it is the current generation's
     * (a running server's). Null before any reading.
     */
    private static StatusReply.Reading reading(Supervisor.Snapshot s, Optional<Figures> last) {
        return last.map(f -> new StatusReply.Reading(f.generation(), f.at(), f.current(s))).orElse(null);
    }

    /** The current generation's reading (figures of an earlier generation are not shown as current), or empty. */
    private static Optional<Figures> current(Supervisor.Snapshot s, Optional<Figures> last) {
        return last.filter(f -> f.current(s));
    }

    private static Long orNull(OptionalLong value) {
        return value.isPresent() ? value.getAsLong() : null;
    }

    private StatusReply.Gpu gpu(Supervisor.Snapshot s, Optional<Figures> last) {
        boolean configured = server.probes().gpu().isPresent();
        Optional<Figures> now = configured ? current(s, last) : Optional.empty();
        List<StatusReply.Device> devices = new ArrayList<>();
        String unknown = null;
        if (configured) {
            // The devices now, whatever the state: device memory is shared, and while the server is down is when
            // an operator most wants to see who holds it.
            GpuReading reading = reader.devicesNow();
            Set<Long> tree = s.state().hasProcess() ? reader.treePids() : Set.of();
            if (reading.status() == GpuReading.Status.OK) {
                for (DeviceReading d : reading.devices()) {
                    devices.add(device(d, tree, s.state().hasProcess()));
                }
                unknown = reading.reason().isEmpty() ? null : reading.reason();
            } else {
                unknown = reading.reason();
            }
        }
        return new StatusReply.Gpu(configured, now.map(Figures::treeGpu).orElse(null),
                orNull(memory.limits().maxTreeGpu()),
                now.map(Figures::gpuGrowthPerHour).orElse(null), now.map(Figures::gpuTimeToLimitS).orElse(null),
                configured ? reading(s, last) : null, unknown, devices);
    }

    private StatusReply.Device device(DeviceReading d, Set<Long> tree, boolean running) {
        MemorySample.Device seen = MemoryReader.device(d, tree);
        Map<String, Long> others = new TreeMap<>();
        seen.others().forEach((pid, bytes) -> others.put(Long.toString(pid), bytes));
        return new StatusReply.Device(d.index(), d.uuid(), d.name(), d.used(), d.total(), deviceLimit(d.total()),
                running && seen.tree() >= 0 ? seen.tree() : null, others, seen.unowned());
    }

    private StatusReply.Memory hostMemory(Supervisor.Snapshot s, Optional<Figures> last) {
        boolean configured = server.probes().host().isPresent();
        Optional<Figures> now = configured ? current(s, last) : Optional.empty();
        return new StatusReply.Memory(configured, now.map(Figures::treeRss).orElse(null),
                orNull(memory.limits().maxTreeRss()),
                now.map(Figures::rssGrowthPerHour).orElse(null), now.map(Figures::hostAvailable).orElse(null),
                configured ? reading(s, last) : null);
    }

    /**
     * probes.progress, when configured: the last reading, said to be the running server's only while it runs past its
     * startup (the reading does not carry its generation, so one from before a restart reads as current until the
     * first liveness cycle of the new launch).
     */
    private StatusReply.Progress progress(Supervisor.Snapshot s, Instant now) {
        Optional<ProgressProbeConfig> configured = server.probes().progress();
        if (configured.isEmpty()) {
            return null;
        }
        ProgressProbeConfig p = configured.get();
        String url = p.urlFor(server.runtime().port()).map(Object::toString).orElse(null);
        String engine = p.engine().map(Engine::wireName).orElse(null);
        double stallAfterS = seconds(p.stallAfter());
        ProgressWatch.Reading r = supervisor.lastProgress();
        String hint = stallHint(s, now);
        if (r == null) {
            return new StatusReply.Progress(null, null, null, null, null, null, null, stallAfterS, null, engine, url, hint);
        }
        return new StatusReply.Progress(r.status().name(), r.detail(), finite(r.pending()), finite(r.counter()),
                finite(r.stepsPerSecond()), r.sinceProgress().map(DaemonControl::seconds).orElse(null),
                r.stalledFor().map(DaemonControl::seconds).orElse(null), stallAfterS,
                s.state().hasProcess() && s.phase() == ProbePhase.LIVENESS, engine, url, hint);
    }

    /**
     * When the last restart was for a stall and the server restarted more than once within the crash-loop window: a
     * hang that a restart does not clear (an NCCL deadlock across GPUs, a wedged driver) comes back, and the operator
     * should know that the crash-loop budget, not more restarts, ends it. Null otherwise.
     */
    private String stallHint(Supervisor.Snapshot s, Instant now) {
        if (!SupervisorStateMachine.STALLED.equals(s.lastRestartReason())) {
            return null;
        }
        CrashLoopConfig loop = server.restart().crashLoop();
        long recent = supervisor.restartsSince(now.minus(loop.window()));
        if (recent < 2) {
            return null;
        }
        return "restarted " + recent + " times in the last " + HumanDuration.format(loop.window())
                + ", the last for a stall: a hang such as an NCCL deadlock can survive a restart; the crash-loop budget ("
                + "more than " + loop.maxRestarts() + " restarts in " + HumanDuration.format(loop.window())
                + " makes it FAILED) stops the retries";
    }

    /** probes.inference, when configured: the last answer, the last skip, the failures in a row and the next run. */
    private StatusReply.Inference inference() {
        Optional<InferenceProbeConfig> configured = server.probes().inference();
        if (configured.isEmpty()) {
            return null;
        }
        InferenceProbeConfig c = configured.get();
        InferenceCheck.Last last = supervisor.lastInference().orElse(new InferenceCheck.Last(null, null, null, null));
        InferenceResult r = last.result();
        return new StatusReply.Inference(r == null ? null : r.verdict().name(),
                r == null ? null : r.latency().toNanos() / 1e6, r == null ? null : r.detail(), last.at(),
                r == null || r.status().isEmpty() ? null : r.status().getAsInt(), supervisor.inferenceFailures(),
                c.failureThreshold(), c.restartOnSlow(), c.request().slowAfter().map(Duration::toMillis).orElse(null),
                last.skippedAt(), last.skipped(), nextInference.get().orElse(null), c.request().method(),
                c.request().url().toString());
    }

    /** A figure JSON can carry: NaN and the infinities are not numbers there. */
    private static Double finite(OptionalDouble value) {
        return value.isPresent() && Double.isFinite(value.getAsDouble()) ? value.getAsDouble() : null;
    }

    private static double seconds(Duration d) {
        return d.toMillis() / 1000.0;
    }

    /**
     * Asks for a restart and, unless told not to, waits until a later generation is healthy. A request that
     * arrives while a stop is in flight is coalesced by the machine and waits for the launch after that stop;
     * one that arrives while a launch is starting stops it, so in every case the next generation is the answer.
     */
    RestartReply restart(ControlRequest.Restart request, String user) throws InterruptedException {
        Supervisor.Snapshot before = supervisor.snapshot();
        if (before.state() == State.PAUSED) {
            throw new IllegalArgumentException(named("the server") + " is paused (by " + before.pausedBy()
                    + "); `glyphctl start" + (server.oneServerForm() ? "" : " " + server.name()) + "` resumes it");
        }
        long target = before.generation() + 1;
        long started = System.nanoTime();
        supervisor.requestRestart(request.reason(), user);
        if (!request.awaitHealthy()) {
            return new RestartReply.Requested();
        }
        Duration timeout = request.timeout().orElse(Duration.ofMillis(server.runtime().startupTimeout()
                .plus(server.runtime().stopGrace()).toMillis()));
        Supervisor.Snapshot after = supervisor.await(s -> (s.state() == State.RUNNING && s.generation() >= target)
                || s.state() == State.FAILED || s.state() == State.PAUSED || s.shuttingDown()
                || (s.state() == State.WAITING && s.generation() >= target), timeout);
        boolean healthy = after.state() == State.RUNNING && after.generation() >= target;
        return new RestartReply.Finished(healthy, after.state().name(), after.generation(),
                after.pid() > 0 ? after.pid() : null, (System.nanoTime() - started) / 1_000_000);
    }

    StopReply stop(String user) throws InterruptedException {
        supervisor.pause(user);
        Duration budget = ShutdownBudget.of(server).total();
        Supervisor.Snapshot after = supervisor.await(s -> s.state() == State.PAUSED || s.shuttingDown(), budget);
        return new StopReply(after.state().name(), after.pausedBy());
    }

    StartReply start(String user) throws InterruptedException {
        Supervisor.Snapshot before = supervisor.snapshot();
        supervisor.resume(user);
        Supervisor.Snapshot after = supervisor.await(s -> s.state() != State.PAUSED, Duration.ofSeconds(5));
        return new StartReply(before.state().name(), after.state().name(), after.generation());
    }

    /** "the server" in a stack of one; "server vllm" in a stack of several. */
    private String named(String one) {
        return server.oneServerForm() ? one : "server " + server.name();
    }
}
