package dev.glyphsupervisor.daemon;

import dev.glyphsupervisor.audit.JsonlAuditLog;
import dev.glyphsupervisor.config.MetricsConfig;
import dev.glyphsupervisor.config.ServerConfig;
import dev.glyphsupervisor.config.SupervisorConfig;
import dev.glyphsupervisor.control.ControlServer;
import dev.glyphsupervisor.core.AuditEvent;
import dev.glyphsupervisor.core.FailureCauses;
import dev.glyphsupervisor.core.MemoryWatch;
import dev.glyphsupervisor.core.SupervisorStateMachine;
import dev.glyphsupervisor.io.IoMessages;
import dev.glyphsupervisor.lock.LockHeldException;
import dev.glyphsupervisor.lock.StateDirLock;
import dev.glyphsupervisor.metrics.MetricsServer;
import dev.glyphsupervisor.metrics.MetricsSink;
import dev.glyphsupervisor.metrics.SupervisorMetrics;
import dev.glyphsupervisor.probes.gpu.GpuMemoryProbe;
import dev.glyphsupervisor.probes.gpu.Nvml;
import dev.glyphsupervisor.probes.host.HostMemoryProbe;
import dev.glyphsupervisor.runtime.LaunchException;
import dev.glyphsupervisor.runtime.PortCheck;
import dev.glyphsupervisor.runtime.Subreaper;
import dev.glyphsupervisor.systemd.ServiceNotifier;
import dev.glyphsupervisor.systemd.WatchdogTicker;

import java.io.IOException;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
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
    /** TODO(issue 15): the one server this daemon supervises, until it supervises the stack. */
    private final ServerConfig server;
    private final String version;

    public Daemon(SupervisorConfig config, String version) {
        this.config = config;
        this.server = config.onlyServer();
        this.version = version;
    }

    /** Runs until a signal stops it; returns when the server is stopped and the lock released. */
    public void run() throws StartFailure {
        // The Prometheus client only when metrics.listen is set; otherwise its classes and thread never load.
        FailureCauses causes = CoreConfig.causes(server);
        SupervisorMetrics prometheus = config.metrics().isPresent()
                ? new SupervisorMetrics(Clock.systemUTC(), causeNames(causes)) : null;
        // One server until the daemon supervises a stack: its series are labelled server="default".
        MetricsSink metrics = prometheus != null ? prometheus.forServer("default") : MetricsSink.NONE;
        CountDownLatch released = new CountDownLatch(1);
        Closer open = new Closer();
        try {
            // The metrics port before the lock: binding it creates no file, so a port in use leaves nothing behind
            // (no state_dir, no lock file, no audit record of a start that did not happen).
            serveMetrics(prometheus).ifPresent(server -> open.push("the metrics listener", server));
            open.pushLast("the state_dir lock", lock());
            makeServerStateDir();
            ServiceNotifier notifier = ServiceNotifier.fromEnvironment(System.getenv());
            JsonlAuditLog audit = openAudit();
            open.push("the audit log", audit);
            // NVML is opened once for the daemon's life (lazily: the first reading loads and initialises it).
            Optional<Nvml> nvml = server.probes().gpu().map(g -> Nvml.open(g.library()));
            nvml.ifPresent(library -> open.push("NVML", library));
            Optional<GpuMemoryProbe> gpuProbe = server.probes().gpu()
                    .map(g -> new GpuMemoryProbe(nvml.orElseThrow(), g.devices()));
            MemoryWatch watch = new MemoryWatch(CoreConfig.limits(server));
            // A launch needs room for what the server held once started (the watch's footprint) under the device limit.
            Optional<GpuRelease> gpuRelease = server.probes().gpu().map(g -> new GpuRelease(gpuProbe.orElseThrow(),
                    g.releaseTimeout(), g.releaseMargin(), watch::deviceLimit, watch::footprint));
            ProcessRuntimeControl runtime = new ProcessRuntimeControl(server.runtime(), server.restart(), audit,
                    server.runtime().home(), gpuRelease, server.stateDir());
            boolean subreaper = becomeSubreaper();
            selfTest(runtime);

            ProbeSet probes = new ProbeSet(server.runtime(), server.probes(), runtime::mainProcess,
                    runtime::beforeProbeCycle);
            SupervisorStateMachine machine = new SupervisorStateMachine(CoreConfig.settings(server),
                    () -> ThreadLocalRandom.current().nextDouble());
            StateHistory history = StateHistory.load(server.stateDir());
            MemoryReader reader = new MemoryReader(gpuProbe, server.probes().host().map(h -> new HostMemoryProbe()),
                    runtime::current, Clock.systemUTC());
            Supervisor supervisor = new Supervisor(machine, runtime, audit, Clock.systemUTC(), probes,
                    server.probes().startupInterval(), TreeMemoryCheck.of(reader, watch, runtime::noteTree, metrics),
                    metrics, history);
            open.push("the supervisor", supervisor::close);
            QuartzProbeScheduler schedule = schedule(supervisor);
            open.push("the probe schedule", schedule);
            open.push("the control socket", serveControl(supervisor, watch, reader, schedule));
            // Only now, with every listener bound, is the start real enough to record: a start that failed above
            // leaves the audit log as it was.
            audit.record(AuditEvent.SUPERVISOR_STARTED, 0, startedFields(audit, subreaper));
            Runtime.getRuntime().addShutdownHook(shutdownHook(supervisor, notifier, released));

            recoverOrStart(audit, runtime, probes, supervisor, history);
            schedule.start();
            // READY only now: the lock is held, the config valid, the control socket bound, the first launch
            // issued (or a running server adopted). From here on systemd also hears every state change.
            supervisor.readyTo(notifier, Duration.ofSeconds(30));
            watchdog(notifier, supervisor).ifPresent(ticker -> open.push("the watchdog ticker", ticker));
            LOG.info(() -> "supervising " + server.runtime().command() + " (probes " + server.probes().schedule().describe()
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
            open.close(); // the lock last
            released.countDown();
        }
    }

    private StateDirLock lock() throws StartFailure {
        try {
            return StateDirLock.acquire(config.stateDir());
        } catch (LockHeldException e) {
            throw new StartFailure(e.getMessage() + "; not starting a second supervisor", e);
        } catch (IOException e) {
            throw new StartFailure("cannot take the lock in state_dir " + config.stateDir() + ": " + e.getMessage(), e);
        }
    }

    private JsonlAuditLog openAudit() throws StartFailure {
        try {
            return JsonlAuditLog.open(config.audit().path(), config.audit().maxBytes(), config.audit().keep(),
                    Clock.systemUTC());
        } catch (IOException e) {
            throw new StartFailure(e.getMessage(), e); // it names the audit log and the reason
        }
    }

    /**
     * Processes of the server's tree that lose their parent (the server a launch script started in the background,
     * a worker that called setsid()) are re-parented to the daemon instead of init: they stay its descendants, and
     * their exit statuses come to it. Whether that could be arranged.
     */
    private static boolean becomeSubreaper() {
        boolean subreaper = Subreaper.enable();
        if (!subreaper) {
            LOG.warning("cannot become a child subreaper (prctl refused): orphans of the server's tree go to init,"
                    + " found through their environment marker only, and their exit statuses are unknown");
        }
        return subreaper;
    }

    private static void selfTest(ProcessRuntimeControl runtime) throws StartFailure {
        try {
            runtime.selfTest();
        } catch (LaunchException | java.util.concurrent.CompletionException e) {
            throw new StartFailure("cannot launch processes in a new session here: " + e.getMessage(), e);
        }
    }

    private QuartzProbeScheduler schedule(Supervisor supervisor) throws StartFailure {
        try {
            return new QuartzProbeScheduler(server.probes().schedule(), supervisor::scheduledProbe,
                    server.restart().maintenance(), supervisor::maintenanceDue);
        } catch (ProbeScheduleException e) {
            throw new StartFailure("cannot set up the probe schedule " + server.probes().schedule().describe()
                    + ": " + e.getMessage(), e);
        }
    }

    private ControlServer serveControl(Supervisor supervisor, MemoryWatch watch, MemoryReader reader,
                                       QuartzProbeScheduler quartz) throws StartFailure {
        try {
            return ControlServer.start(config.control().socket(), config.control().mode(), config.control().group(),
                    new DaemonControl(supervisor, config, Clock.systemUTC(), watch, reader, quartz::nextFireTime,
                            quartz::nextMaintenanceTime));
        } catch (IOException e) {
            throw new StartFailure("cannot open the control socket " + config.control().socket() + ": "
                    + IoMessages.reason(e), e);
        } catch (RuntimeException e) {
            throw new StartFailure("cannot open the control socket " + config.control().socket() + ": " + e, e);
        }
    }

    /**
     * The server's own state directory: state_dir itself in the one-server form (made with the lock), else
     * state_dir/servers/NAME, made here once the lock is held.
     */
    private void makeServerStateDir() throws StartFailure {
        try {
            Files.createDirectories(server.stateDir());
        } catch (IOException e) {
            throw new StartFailure("cannot create the server's state directory " + server.stateDir() + ": " + e.getMessage(), e);
        }
    }

    /** On SIGTERM/SIGINT: stop the server within the shutdown budget, and wait until everything is closed. */
    private Thread shutdownHook(Supervisor supervisor, ServiceNotifier notifier, CountDownLatch released) {
        Duration stopBudget = ShutdownBudget.of(config).total();
        return new Thread(() -> {
            notifier.stopping("stopping the server (" + supervisor.statusLine() + ")", stopBudget);
            supervisor.shutdown("signal");
            awaitQuietly(released, stopBudget);
        }, "glyph-shutdown");
    }

    /**
     * A previous daemon's server (it was SIGKILLed and we are its replacement): adopt it if it is the recorded one
     * and healthy, stop every other tree of this state directory. Never two, never an orphan. Else the first launch.
     */
    private void recoverOrStart(JsonlAuditLog audit, ProcessRuntimeControl runtime, ProbeSet probes,
                                Supervisor supervisor, StateHistory history) throws IOException {
        Recovery.Outcome recovered = new Recovery(server.stateDir(), audit, server.runtime().stopGrace(),
                server.restart().killTimeout()).recover(runtime::install, probes);
        if (recovered.adopted().isPresent()) {
            supervisor.adopt(recovered.adopted().get(), runtime);
        } else {
            // The larger of the two: the history is written before each launch, the record after it.
            supervisor.start(Math.max(recovered.lastGeneration(), history.lastGeneration()), recovered.previousEndedUnclean());
        }
    }

    /**
     * The systemd watchdog, when WatchdogSec is set: a tick every quarter of WatchdogSec (half the advised interval),
     * each asking the event loop to run a heartbeat within a sixth of it (a third of the tick): a ping always follows
     * a heartbeat that just ran, so a stuck loop is killed within WatchdogSec of its last heartbeat. A loop busy for
     * one whole tick (a long cache clearing) misses one ping and the gap stays under WatchdogSec (5/6 of it).
     */
    private static Optional<WatchdogTicker> watchdog(ServiceNotifier notifier, Supervisor supervisor) {
        return notifier.watchdogInterval().map(half -> {
            Duration tick = half.dividedBy(2);
            Duration answerWithin = half.dividedBy(3);
            WatchdogTicker ticker = new WatchdogTicker(notifier, tick, () -> supervisor.loopAnswers(answerWithin));
            ticker.start();
            return ticker;
        });
    }

    /**
     * The /metrics listener when metrics.listen is set. A port in use names its holder when the
     * kernel's socket table shows it (another supervisor on the same config shows up here as that daemon).
     */
    private Optional<MetricsServer> serveMetrics(SupervisorMetrics metrics) throws StartFailure {
        if (config.metrics().isEmpty()) {
            return Optional.empty();
        }
        MetricsConfig listen = config.metrics().get();
        try {
            return Optional.of(metrics.serve(listen.host(), listen.port()));
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

    private Map<String, Object> startedFields(JsonlAuditLog audit, boolean subreaper) {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("pid", ProcessHandle.current().pid());
        fields.put("version", version);
        fields.put("config", config.source().toAbsolutePath().normalize().toString());
        fields.put("user", System.getProperty("user.name"));
        fields.put("command", server.runtime().command());
        fields.put("schedule", server.probes().schedule().describe());
        fields.put("subreaper", subreaper);
        if (audit.recoveredTornLine()) {
            fields.put("audit_torn_bytes", audit.tornBytes());
        }
        return fields;
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
