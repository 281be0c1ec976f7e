package dev.glyphsupervisor.daemon;

import dev.glyphsupervisor.audit.JsonlAuditLog;
import dev.glyphsupervisor.config.MetricsConfig;
import dev.glyphsupervisor.config.ServerConfig;
import dev.glyphsupervisor.config.SupervisorConfig;
import dev.glyphsupervisor.control.ControlServer;
import dev.glyphsupervisor.core.AuditEvent;
import dev.glyphsupervisor.core.FailureCauses;
import dev.glyphsupervisor.io.IoMessages;
import dev.glyphsupervisor.lock.LockHeldException;
import dev.glyphsupervisor.lock.StateDirLock;
import dev.glyphsupervisor.metrics.HealthEndpoints;
import dev.glyphsupervisor.metrics.MetricsServer;
import dev.glyphsupervisor.metrics.MetricsSink;
import dev.glyphsupervisor.metrics.SupervisorMetrics;
import dev.glyphsupervisor.probes.gpu.Nvml;
import dev.glyphsupervisor.runtime.LaunchException;
import dev.glyphsupervisor.runtime.PortCheck;
import dev.glyphsupervisor.runtime.Signals;
import dev.glyphsupervisor.runtime.Subreaper;
import dev.glyphsupervisor.systemd.ServiceNotifier;
import dev.glyphsupervisor.systemd.WatchdogTicker;

import java.io.IOException;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
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

    /** Runs until a signal stops it; returns when every server is stopped and the lock released. */
    public void run() throws StartFailure {
        // The Prometheus client only when metrics.listen is set; otherwise its classes and thread never load.
        SupervisorMetrics prometheus = config.metrics().isPresent()
                ? new SupervisorMetrics(Clock.systemUTC(), List.copyOf(FailureCauses.BUILT_IN_NAMES)) : null;
        CountDownLatch released = new CountDownLatch(1);
        Closer open = new Closer();
        try {
            // The metrics port before the lock: binding it creates no file, so a port in use leaves nothing behind
            // (no state_dir, no lock file, no audit record of a start that did not happen).
            // The kubelet's /livez and /readyz on the same listener: 503 until the stack is attached below.
            HealthEndpoints health = new HealthEndpoints();
            serveMetrics(prometheus, health).ifPresent(server -> open.push("the metrics listener", server));
            open.pushLast("the state_dir lock", lock());
            makeServerStateDirs();
            ServiceNotifier notifier = ServiceNotifier.fromEnvironment(System.getenv());
            JsonlAuditLog audit = openAudit();
            open.push("the audit log", audit);
            // NVML is opened once for the daemon's life per library path (lazily: the first reading loads it).
            Map<Optional<java.nio.file.Path>, Nvml> nvml = new LinkedHashMap<>();
            List<ServerUnit> units = new ArrayList<>();
            for (ServerConfig server : config.servers()) {
                MetricsSink metrics = prometheus == null ? MetricsSink.NONE
                        : prometheus.forServer(server.name(), causeNames(CoreConfig.causes(server)));
                ServerUnit unit = ServerUnit.build(server, audit.forServer(server.name()), metrics,
                        library -> nvml.computeIfAbsent(library, l -> {
                            Nvml opened = Nvml.open(l);
                            open.push("NVML", opened);
                            return opened;
                        }));
                open.push("server " + server.name(), unit.supervisor()::close);
                units.add(unit);
            }
            procOfThisNamespace();
            boolean subreaper = becomeSubreaper();
            selfTest(units.get(0).runtime());
            Stack stack = stack(units);
            health.attach(new StackHealth(stack));
            ProbeScheduler schedule = schedule(units);
            open.push("the probe schedule", schedule);
            open.push("the control socket", serveControl(units, stack, schedule));
            // Only now, with every listener bound, is the start real enough to record: a start that failed above
            // leaves the audit log as it was.
            audit.record(AuditEvent.SUPERVISOR_STARTED, 0, startedFields(audit, subreaper));
            Runtime.getRuntime().addShutdownHook(shutdownHook(stack, notifier, released));

            recoverAndStart(units, stack);
            schedule.start();
            // READY only now: the lock is held, the config valid, the control socket bound, every first launch
            // issued (or a running server adopted, or a server waiting for what it requires). From here on systemd
            // also hears the stack's status at every change.
            stack.readyTo(notifier, Duration.ofSeconds(30));
            watchdog(notifier, stack).ifPresent(ticker -> open.push("the watchdog ticker", ticker));
            LOG.info(() -> "supervising " + String.join(", ", stack.names()) + " (state " + config.stateDir() + ")");
            stack.finished().join();
        } catch (ProbeScheduleException e) {
            throw new StartFailure("cannot start the probe schedule: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new StartFailure("cannot recover the previous daemon's server: " + e.getMessage(), e);
        } finally {
            open.close(); // the lock last
            released.countDown();
        }
    }

    private static Stack stack(List<ServerUnit> units) {
        Map<String, Supervisor> supervisors = new LinkedHashMap<>();
        Map<String, List<String>> requires = new LinkedHashMap<>();
        for (ServerUnit unit : units) {
            supervisors.put(unit.name(), unit.supervisor());
            requires.put(unit.name(), unit.config().requires());
        }
        return new Stack(supervisors, requires);
    }

    /**
     * Every server's previous tree is recovered first (adopted or stopped), then the stack starts them in order:
     * an adopted server counts as up at once, so that what it carries on serving keeps its dependents.
     */
    private static void recoverAndStart(List<ServerUnit> units, Stack stack) throws IOException {
        Map<String, Recovery.Outcome> recovered = new LinkedHashMap<>();
        for (ServerUnit unit : units) {
            recovered.put(unit.name(), unit.recover());
        }
        Set<String> adopted = new java.util.HashSet<>();
        Map<String, Runnable> starts = new LinkedHashMap<>();
        for (ServerUnit unit : units) {
            Recovery.Outcome outcome = recovered.get(unit.name());
            outcome.adopted().ifPresent(r -> adopted.add(unit.name()));
            starts.put(unit.name(), () -> unit.start(outcome));
        }
        stack.start(adopted, starts);
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
     * their exit statuses come to it. As a container's entrypoint the daemon is PID 1 of its namespace, and every
     * orphan of the container comes to it. Either way the reaper thread collects them as they die, so that none
     * stays a zombie. Whether the daemon is a subreaper.
     */
    private static boolean becomeSubreaper() {
        boolean subreaper = Subreaper.enable();
        if (!subreaper) {
            LOG.warning("cannot become a child subreaper (prctl refused): orphans of the server's tree go to init,"
                    + " found through their environment marker only, and their exit statuses are unknown");
        }
        if (Subreaper.isPid1()) {
            LOG.info("running as PID 1 of a PID namespace (a container's entrypoint): reaping every orphan of it");
            if (!Signals.caught(Signals.SIGTERM)) {
                LOG.warning("running as PID 1 without a SIGTERM handler (java -Xrs?): the kernel drops SIGTERM for"
                        + " PID 1, so docker stop will wait its timeout and SIGKILL the container, servers and all");
            }
        }
        if (subreaper || Subreaper.isPid1()) {
            Subreaper.start();
        }
        return subreaper;
    }

    /**
     * Every pid the daemon reads in /proc it may also signal: a /proc of another PID namespace (a PID namespace made
     * without mounting its own /proc, {@code unshare --pid --fork} without {@code --mount-proc}) would have it read
     * one process and signal another. Container runtimes mount the container's own /proc.
     */
    private static void procOfThisNamespace() throws StartFailure {
        long self = ProcessHandle.current().pid();
        String seen;
        try {
            seen = java.nio.file.Files.readSymbolicLink(java.nio.file.Path.of("/proc/self")).toString();
        } catch (IOException | UnsupportedOperationException e) {
            return; // no /proc to judge: the self test below fails with its own message
        }
        if (!seen.equals(String.valueOf(self))) {
            throw new StartFailure("/proc belongs to another PID namespace (this process is pid " + self
                    + " here, pid " + seen + " in /proc): mount this namespace's own /proc (unshare --mount-proc;"
                    + " container runtimes do), or the daemon would signal the wrong processes", null);
        }
    }

    private static void selfTest(ProcessRuntimeControl runtime) throws StartFailure {
        try {
            runtime.selfTest();
        } catch (LaunchException | java.util.concurrent.CompletionException e) {
            throw new StartFailure("cannot launch processes in a new session here: " + e.getMessage(), e);
        }
    }

    private static ProbeScheduler schedule(List<ServerUnit> units) throws StartFailure {
        List<ProbeScheduler.ServerSchedule> schedules = new ArrayList<>();
        for (ServerUnit unit : units) {
            schedules.add(new ProbeScheduler.ServerSchedule(unit.name(), unit.config().probes().schedule(),
                    unit.supervisor()::scheduledProbe, unit.config().restart().maintenance(),
                    unit.supervisor()::maintenanceDue,
                    unit.config().probes().inference().map(dev.glyphsupervisor.config.InferenceProbeConfig::schedule),
                    unit.supervisor()::inferenceDue));
        }
        try {
            return new ProbeScheduler(schedules);
        } catch (ProbeScheduleException e) {
            throw new StartFailure("cannot set up the probe schedule " + units.stream()
                    .map(u -> u.config().probes().schedule().describe()).distinct()
                    .collect(java.util.stream.Collectors.joining(", ")) + ": " + e.getMessage(), e);
        }
    }

    private ControlServer serveControl(List<ServerUnit> units, Stack stack, ProbeScheduler scheduler)
            throws StartFailure {
        java.time.Instant started = Clock.systemUTC().instant();
        List<DaemonControl> controls = new ArrayList<>();
        for (ServerUnit unit : units) {
            controls.add(new DaemonControl(unit.supervisor(), config, unit.config(), Clock.systemUTC(), started,
                    unit.watch(), unit.reader(), () -> scheduler.nextFireTime(unit.name()),
                    () -> scheduler.nextMaintenanceTime(unit.name()), () -> scheduler.nextInferenceTime(unit.name())));
        }
        try {
            return ControlServer.start(config.control().socket(), config.control().mode(), config.control().group(),
                    new StackControl(stack, controls));
        } catch (IOException e) {
            throw new StartFailure("cannot open the control socket " + config.control().socket() + ": "
                    + IoMessages.reason(e), e);
        } catch (RuntimeException e) {
            throw new StartFailure("cannot open the control socket " + config.control().socket() + ": " + e, e);
        }
    }

    /**
     * Each server's own state directory: state_dir itself in the one-server form (made with the lock), else
     * state_dir/servers/NAME, made here once the lock is held.
     */
    private void makeServerStateDirs() throws StartFailure {
        for (ServerConfig server : config.servers()) {
            try {
                Files.createDirectories(server.stateDir());
            } catch (IOException e) {
                throw new StartFailure("cannot create the server's state directory " + server.stateDir() + ": "
                        + e.getMessage(), e);
            }
        }
    }

    /** On SIGTERM/SIGINT: stop every server within the shutdown budget, and wait until everything is closed. */
    private Thread shutdownHook(Stack stack, ServiceNotifier notifier, CountDownLatch released) {
        Duration stopBudget = ShutdownBudget.of(config).total();
        return new Thread(() -> {
            notifier.stopping("stopping " + (config.servers().size() == 1 ? "the server" : "the servers")
                    + " (" + stack.statusLine() + ")", stopBudget);
            stack.shutdown("signal");
            awaitQuietly(released, stopBudget);
        }, "glyph-shutdown");
    }

    /**
     * The systemd watchdog, when WatchdogSec is set: a tick every quarter of WatchdogSec (half the advised interval),
     * each asking the event loop to run a heartbeat within a sixth of it (a third of the tick): a ping always follows
     * a heartbeat that just ran, so a stuck loop is killed within WatchdogSec of its last heartbeat. A loop busy for
     * one whole tick (a long cache clearing) misses one ping and the gap stays under WatchdogSec (5/6 of it).
     */
    private static Optional<WatchdogTicker> watchdog(ServiceNotifier notifier, Stack stack) {
        return notifier.watchdogInterval().map(half -> {
            Duration tick = half.dividedBy(2);
            Duration answerWithin = half.dividedBy(3);
            WatchdogTicker ticker = new WatchdogTicker(notifier, tick, () -> stack.loopsAnswer(answerWithin));
            ticker.start();
            return ticker;
        });
    }

    /**
     * The /metrics listener when metrics.listen is set. A port in use names its holder when the
     * kernel's socket table shows it (another supervisor on the same config shows up here as that daemon).
     */
    private Optional<MetricsServer> serveMetrics(SupervisorMetrics metrics, HealthEndpoints health) throws StartFailure {
        if (config.metrics().isEmpty()) {
            return Optional.empty();
        }
        MetricsConfig listen = config.metrics().get();
        try {
            return Optional.of(metrics.serve(listen.host(), listen.port(), health));
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
        if (config.servers().size() == 1) {
            fields.put("command", config.servers().get(0).runtime().command());
            fields.put("schedule", config.servers().get(0).probes().schedule().describe());
        }
        fields.put("servers", config.serverNames());
        fields.put("subreaper", subreaper);
        if (audit.recoveredTornLine()) {
            fields.put("audit_torn_bytes", audit.tornBytes());
        }
        return fields;
    }

    /** Every cause the table can name, for metrics to export at 0 from the start. */
    private static List<String> causeNames(FailureCauses causes) {
        Set<String> names = new java.util.LinkedHashSet<>(FailureCauses.BUILT_IN_NAMES);
        causes.rows().forEach(row -> names.add(row.name()));
        return List.copyOf(names);
    }

    private static void awaitQuietly(CountDownLatch latch, Duration timeout) {
        try {
            latch.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
