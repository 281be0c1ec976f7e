package dev.glyphsupervisor.daemon;

import dev.glyphsupervisor.audit.JsonlAuditLog;
import dev.glyphsupervisor.config.SupervisorConfig;
import dev.glyphsupervisor.core.CoreSettings;
import dev.glyphsupervisor.core.FailureCause;
import dev.glyphsupervisor.core.FailureCauses;
import dev.glyphsupervisor.core.SupervisorStateMachine;
import dev.glyphsupervisor.lock.LockHeldException;
import dev.glyphsupervisor.lock.StateDirLock;
import dev.glyphsupervisor.runtime.LaunchException;
import dev.glyphsupervisor.runtime.Subreaper;
import dev.glyphsupervisor.config.MemoryLimit;
import dev.glyphsupervisor.config.MetricsConfig;
import dev.glyphsupervisor.io.IoMessages;
import dev.glyphsupervisor.runtime.PortCheck;
import dev.glyphsupervisor.control.ControlServer;
import dev.glyphsupervisor.systemd.ServiceNotifier;
import dev.glyphsupervisor.systemd.WatchdogTicker;
import dev.glyphsupervisor.metrics.DeviceMemory;
import dev.glyphsupervisor.metrics.MetricsServer;
import dev.glyphsupervisor.metrics.MetricsSink;
import dev.glyphsupervisor.metrics.SupervisorMetrics;
import dev.glyphsupervisor.core.MemoryLimits;
import dev.glyphsupervisor.core.MemorySample;
import dev.glyphsupervisor.core.MemoryWatch;
import dev.glyphsupervisor.probes.gpu.GpuMemoryProbe;
import dev.glyphsupervisor.probes.gpu.Nvml;
import dev.glyphsupervisor.probes.host.HostMemoryProbe;
import java.util.Optional;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * {@code glyphctl daemon}: takes the lock, opens the audit log, starts supervising and the probe
 * schedule, and on SIGTERM/SIGINT stops the server within its grace before releasing the lock.
 * Each step that can fail does so before anything is started, with one clear message.
 */
public final class Daemon {

    private static final Logger LOG = Logger.getLogger(Daemon.class.getName());

    /** A failure to start, with the message for the user; nothing is left running. */
    public static final class StartFailure extends Exception {
        private static final long serialVersionUID = 1L;

        public StartFailure(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final SupervisorConfig config;
    private final String version;

    public Daemon(SupervisorConfig config, String version) {
        this.config = config;
        this.version = version;
    }

    /** Runs until a signal stops it; returns when the server is stopped and the lock released. */
    public void run() throws StartFailure {
        // The Prometheus client only when metrics.listen is set; otherwise its classes and thread never load.
        FailureCauses causes = causes(config);
        SupervisorMetrics prometheus = config.metrics().isPresent()
                ? new SupervisorMetrics(Clock.systemUTC(), causeNames(causes)) : null;
        MetricsSink metrics = prometheus != null ? prometheus : MetricsSink.NONE;
        // The metrics port before the lock: binding it creates no file, so a port in use leaves nothing behind
        // (no state_dir, no lock file, no audit record of a start that did not happen).
        MetricsServer metricsServer = serveMetrics(prometheus);
        StateDirLock lock;
        try {
            lock = StateDirLock.acquire(config.stateDir());
        } catch (LockHeldException e) {
            closeQuietly(metricsServer);
            throw new StartFailure(e.getMessage() + "; not starting a second supervisor", e);
        } catch (IOException e) {
            closeQuietly(metricsServer);
            throw new StartFailure("cannot take the lock in state_dir " + config.stateDir() + ": " + e.getMessage(), e);
        }
        JsonlAuditLog audit = null;
        QuartzProbeScheduler schedule = null;
        Supervisor supervisor = null;
        Nvml nvml = null;
        ControlServer control = null;
        ServiceNotifier notifier = ServiceNotifier.fromEnvironment(System.getenv());
        WatchdogTicker ticker = null;
        CountDownLatch released = new CountDownLatch(1);
        try {
            try {
                audit = JsonlAuditLog.open(config.audit().path(), config.audit().maxBytes(), config.audit().keep(),
                        Clock.systemUTC());
            } catch (IOException e) {
                throw new StartFailure(e.getMessage(), e); // it names the audit log and the reason
            }
            // NVML is opened once for the daemon's life (lazily: the first reading loads and initialises it).
            nvml = config.probes().gpu().map(g -> Nvml.open(g.library())).orElse(null);
            Nvml gpuLibrary = nvml;
            Optional<GpuMemoryProbe> gpuProbe = config.probes().gpu().map(g -> new GpuMemoryProbe(gpuLibrary, g.devices()));
            MemoryLimits limits = limits(config);
            MemoryWatch watch = config.probes().gpu().isPresent() || config.probes().host().isPresent()
                    ? new MemoryWatch(limits) : null;
            // A launch needs room for what the server held once started (the watch's footprint) under the device limit.
            Optional<GpuRelease> gpuRelease = config.probes().gpu().map(g -> new GpuRelease(gpuProbe.orElseThrow(),
                    g.releaseTimeout(), g.releaseMargin(), limits::deviceLimit, watch::footprint));
            ProcessRuntimeControl runtime = new ProcessRuntimeControl(config.runtime(), config.restart(), audit,
                    Path.of(System.getProperty("user.home")), gpuRelease, config.stateDir());
            // Processes of the server's tree that lose their parent (the server a launch script started in the
            // background, a worker that called setsid()) are re-parented to the daemon instead of init: they stay its
            // descendants, and their exit statuses come to it.
            boolean subreaper = Subreaper.enable();
            if (!subreaper) {
                LOG.warning("cannot become a child subreaper (prctl refused): orphans of the server's tree go to init,"
                        + " found through their environment marker only, and their exit statuses are unknown");
            }
            try {
                runtime.selfTest();
            } catch (LaunchException | java.util.concurrent.CompletionException e) {
                throw new StartFailure("cannot launch processes in a new session here: " + e.getMessage(), e);
            }

            ProbeSet probes = new ProbeSet(config.runtime(), config.probes(), runtime::mainProcess,
                    runtime::beforeProbeCycle);
            SupervisorStateMachine machine = new SupervisorStateMachine(settings(config),
                    () -> ThreadLocalRandom.current().nextDouble());
            StateHistory history = StateHistory.load(config.stateDir());
            MemoryReader reader = new MemoryReader(gpuProbe, config.probes().host().map(h -> new HostMemoryProbe()),
                    runtime::current, Clock.systemUTC());
            supervisor = new Supervisor(machine, runtime, audit, Clock.systemUTC(), probes, config.probes().startupInterval(),
                    memoryCheck(runtime, reader, watch, metrics), metrics, history);
            try {
                schedule = new QuartzProbeScheduler(config.probes().schedule(), supervisor::scheduledProbe,
                        config.restart().maintenance(), supervisor::maintenanceDue);
            } catch (ProbeScheduleException e) {
                throw new StartFailure("cannot set up the probe schedule " + config.probes().schedule().describe()
                        + ": " + e.getMessage(), e);
            }
            QuartzProbeScheduler quartz = schedule;
            try {
                control = ControlServer.start(config.control().socket(), config.control().mode(), config.control().group(),
                        new DaemonControl(supervisor, config, Clock.systemUTC(), watch, reader, quartz::nextFireTime,
                                quartz::nextMaintenanceTime));
            } catch (IOException e) {
                throw new StartFailure("cannot open the control socket " + config.control().socket() + ": "
                        + IoMessages.reason(e), e);
            } catch (RuntimeException e) {
                throw new StartFailure("cannot open the control socket " + config.control().socket() + ": " + e, e);
            }
            // Only now, with every listener bound, is the start real enough to record: a start that failed above
            // leaves the audit log as it was.
            audit.record("supervisor_started", 0, startedFields(audit, subreaper));

            Supervisor s = supervisor;
            ServiceNotifier notify = notifier;
            Duration stopBudget = ShutdownBudget.of(config).total();
            Thread hook = new Thread(() -> {
                notify.stopping("stopping the server (" + s.statusLine() + ")", stopBudget);
                s.shutdown("signal");
                awaitQuietly(released, stopBudget);
            }, "glyph-shutdown");
            Runtime.getRuntime().addShutdownHook(hook);

            // A previous daemon's server (it was SIGKILLed and we are its replacement): adopt it if it is the
            // recorded one and healthy, stop every other tree of this state directory. Never two, never an orphan.
            Recovery.Outcome recovered = new Recovery(config.stateDir(), audit, config.runtime().stopGrace(),
                    config.restart().killTimeout()).recover(runtime::install, probes);
            if (recovered.adopted().isPresent()) {
                supervisor.adopt(recovered.adopted().get(), runtime);
            } else {
                // The larger of the two: the history is written before each launch, the record after it.
                supervisor.start(Math.max(recovered.lastGeneration(), history.lastGeneration()), recovered.previousEndedUnclean());
            }
            schedule.start();
            // READY only now: the lock is held, the config valid, the control socket bound, the first launch
            // issued (or a running server adopted). From here on systemd also hears every state change.
            supervisor.readyTo(notifier, Duration.ofSeconds(30));
            Supervisor watched = supervisor;
            ticker = notifier.watchdogInterval().map(half -> {
                // A tick every quarter of WatchdogSec (half the advised interval), each asking the event loop to run
                // a heartbeat within a sixth of it (a third of the tick): a ping always follows a heartbeat that just
                // ran, so a stuck loop is killed within WatchdogSec of its last heartbeat. A loop busy for one whole
                // tick (a long cache clearing) misses one ping and the gap stays under WatchdogSec (5/6 of it).
                Duration tick = half.dividedBy(2);
                Duration answerWithin = half.dividedBy(3);
                WatchdogTicker t = new WatchdogTicker(notifier, tick, () -> watched.loopAnswers(answerWithin));
                t.start();
                return t;
            }).orElse(null);
            LOG.info(() -> "supervising " + config.runtime().command() + " (probes " + config.probes().schedule().describe()
                    + ", state " + config.stateDir() + ")");
            supervisor.finished().join();
        } catch (ProbeScheduleException e) {
            throw new StartFailure("cannot start the probe schedule: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new StartFailure("cannot recover the previous daemon's server: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StartFailure("interrupted while starting", e);
        } finally {
            if (ticker != null) {
                ticker.close();
            }
            closeQuietly(metricsServer);
            if (control != null) {
                control.close();
            }
            if (schedule != null) {
                schedule.close();
            }
            if (supervisor != null) {
                supervisor.close();
            }
            if (nvml != null) {
                nvml.close();
            }
            if (audit != null) {
                try {
                    audit.close();
                } catch (IOException e) {
                    LOG.warning("closing the audit log: " + e.getMessage());
                }
            }
            lock.close();
            released.countDown();
        }
    }

    /**
     * The /metrics listener when metrics.listen is set, else null. A port in use names its holder when the
     * kernel's socket table shows it (another supervisor on the same config shows up here as that daemon).
     */
    private MetricsServer serveMetrics(SupervisorMetrics metrics) throws StartFailure {
        if (config.metrics().isEmpty()) {
            return null;
        }
        MetricsConfig listen = config.metrics().get();
        try {
            return metrics.serve(listen.host(), listen.port());
        } catch (IOException e) {
            String where = config.locations().problem("metrics.listen", listen.host() + ":" + listen.port());
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            // A BindException also says "Cannot assign requested address" (a host that is not this machine's).
            if (cause instanceof java.net.BindException && String.valueOf(cause.getMessage()).contains("in use")) {
                String holder = PortCheck.holder(listen.port())
                        .filter(h -> h.pid() > 0)
                        .map(h -> " by pid " + h.pid() + (h.command().isEmpty() ? "" : " (" + h.command() + ")"))
                        .orElse("");
                throw new StartFailure(where + " is already in use" + holder + "; nothing was started", e);
            }
            throw new StartFailure(where + ": " + cause.getMessage() + "; nothing was started", e);
        }
    }

    private static void closeQuietly(MetricsServer server) {
        if (server != null) {
            server.close();
        }
    }

    /** The memory side of the liveness cycle, or none when no memory limit is configured. */
    private Supervisor.MemoryCheck memoryCheck(ProcessRuntimeControl runtime, MemoryReader reader,
                                               MemoryWatch watch, MetricsSink metrics) {
        if (watch == null) {
            return Supervisor.MemoryCheck.NONE;
        }
        // Called from the probe schedule's single thread only (one cycle at a time), so the watch needs no lock.
        return generation -> {
            MemorySample sample = reader.read(generation);
            runtime.noteTree(sample.gpuPerPid().keySet());
            runtime.noteTree(sample.rssPerPid().keySet());
            Supervisor.MemoryCheck.Verdict verdict = new Supervisor.MemoryCheck.Verdict(watch.check(sample).orElse(null),
                    sample.gpuUnknown(), watch.deviceOverLimit().orElse(null));
            metrics.memory(sample.treeGpu(), sample.devices().stream()
                    .map(dev -> new DeviceMemory(dev.index(), dev.uuid(), dev.used(), dev.total())).toList(), sample.treeRss());
            Map<String, Object> summary = watch.summary();
            metrics.gpuProjection(number(summary.get("gpu_growth_bytes_per_hour")), number(summary.get("gpu_time_to_limit_s")));
            return verdict;
        };
    }

    private static double number(Object value) {
        return value instanceof Number n ? n.doubleValue() : Double.NaN;
    }

    static MemoryLimits limits(SupervisorConfig config) {
        long maxTreeGpu = config.probes().gpu().flatMap(g -> g.maxProcessMemory().isPresent()
                ? Optional.of(g.maxProcessMemory().getAsLong()) : Optional.empty()).orElse(-1L);
        long maxDeviceBytes = config.probes().gpu().flatMap(g -> g.maxDeviceMemory()).map(MemoryLimit::bytes).orElse(-1L);
        double maxDeviceFraction = config.probes().gpu().flatMap(g -> g.maxDeviceMemory()).map(MemoryLimit::fraction)
                .orElse(-1.0);
        long maxRss = config.probes().host().flatMap(h -> h.maxRss().isPresent()
                ? Optional.of(h.maxRss().getAsLong()) : Optional.empty()).orElse(-1L);
        long minAvailable = config.probes().host().flatMap(h -> h.minAvailable().isPresent()
                ? Optional.of(h.minAvailable().getAsLong()) : Optional.empty()).orElse(-1L);
        return new MemoryLimits(maxTreeGpu, maxDeviceBytes, maxDeviceFraction, maxRss, minAvailable,
                config.probes().trendWindow(), config.probes().earlyRestart().orElse(null));
    }

    private Map<String, Object> startedFields(JsonlAuditLog audit, boolean subreaper) {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("pid", ProcessHandle.current().pid());
        fields.put("version", version);
        fields.put("config", config.source().toAbsolutePath().normalize().toString());
        fields.put("user", System.getProperty("user.name"));
        fields.put("command", config.runtime().command());
        fields.put("schedule", config.probes().schedule().describe());
        fields.put("subreaper", subreaper);
        if (audit.recoveredTornLine()) {
            fields.put("audit_torn_bytes", audit.tornBytes());
        }
        return fields;
    }

    static CoreSettings settings(SupervisorConfig config) {
        return new CoreSettings(
                config.runtime().startupTimeout(),
                config.probes().failureThreshold(),
                config.restart().backoffInitial(),
                config.restart().backoffMax(),
                config.restart().backoffReset(),
                config.restart().crashLoop().maxRestarts(),
                config.restart().crashLoop().window(),
                config.restart().maintenanceSkipWithin(),
                causes(config),
                config.restart().hopelessAfter());
    }

    /** The cause table: the user's rows (restart.causes), then the built-in ones. */
    static FailureCauses causes(SupervisorConfig config) {
        return new FailureCauses(config.restart().causes().stream()
                .map(c -> new FailureCause(c.cause(), c.pattern(), c.retry())).toList());
    }

    /** Every cause the table can name, for metrics to export at 0 from the start. */
    private static java.util.List<String> causeNames(FailureCauses causes) {
        java.util.Set<String> names = new java.util.LinkedHashSet<>(FailureCauses.BUILT_IN_NAMES);
        causes.rows().forEach(row -> names.add(row.name()));
        return java.util.List.copyOf(names);
    }

    private static void awaitQuietly(CountDownLatch latch, Duration timeout) {
        try {
            latch.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
