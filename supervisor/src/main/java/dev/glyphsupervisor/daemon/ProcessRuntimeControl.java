package dev.glyphsupervisor.daemon;

import dev.glyphsupervisor.audit.AuditSink;
import dev.glyphsupervisor.config.RuntimeConfig;
import dev.glyphsupervisor.config.RestartConfig;
import dev.glyphsupervisor.core.AuditEvent;
import dev.glyphsupervisor.core.RuntimeControl;
import dev.glyphsupervisor.core.SupervisorStateMachine;
import dev.glyphsupervisor.runtime.CacheCleaner;
import dev.glyphsupervisor.runtime.CacheReport;
import dev.glyphsupervisor.runtime.LaunchException;
import dev.glyphsupervisor.runtime.LaunchSpec;
import dev.glyphsupervisor.runtime.LaunchedProcess;
import dev.glyphsupervisor.runtime.OomKills;
import dev.glyphsupervisor.runtime.PidFd;
import dev.glyphsupervisor.runtime.PortCheck;
import dev.glyphsupervisor.runtime.PortHolder;
import dev.glyphsupervisor.runtime.ProcInfo;
import dev.glyphsupervisor.runtime.ProcessTable;
import dev.glyphsupervisor.runtime.RuntimeLauncher;
import dev.glyphsupervisor.runtime.RuntimeLog;
import dev.glyphsupervisor.runtime.RuntimeLogTail;
import dev.glyphsupervisor.runtime.RuntimeStopper;
import dev.glyphsupervisor.runtime.StopReport;
import dev.glyphsupervisor.runtime.Subreaper;
import dev.glyphsupervisor.runtime.TreeWatch;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntConsumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/** {@link RuntimeControl} over real processes: Commons Exec launch in a new session, group signals, release checks. */
final class ProcessRuntimeControl implements RuntimeControl {

    private static final Logger LOG = Logger.getLogger(ProcessRuntimeControl.class.getName());

    private final RuntimeConfig config;
    private final RestartConfig restart;
    private final AuditSink audit;
    private final RuntimeLauncher launcher = new RuntimeLauncher();
    private final RuntimeStopper stopper = new RuntimeStopper();
    private final CacheCleaner cleaner;

    private final Optional<GpuRelease> gpuRelease;

    /** The current generation's tree, by its launched command: what a stop stops and the memory checks read. */
    private volatile LaunchedProcess current;
    /** Its main process, which the process probe checks: the launched command until it forks, then the one chosen. */
    private volatile LaunchedProcess main;
    private volatile long currentGeneration;
    /** Guards the three above together: a fork of an old generation must not become the new one's main process. */
    private final Object serverLock = new Object();
    /** Memory no listed process accounted for on each watched GPU just before the current launch (index → bytes). */
    private volatile Map<Integer, Long> gpuBaseline = Map.of();
    /** Every pid seen in the current tree, so that one that died early is still looked for in NVML's list. */
    private final Set<Long> treeSeen = ConcurrentHashMap.newKeySet();
    /** The old tree's pids while its GPU memory has not been seen released; no launch until it is. */
    private volatile Set<Long> unreleased;

    private final Path stateDir;

    /**
     * Where the output of generation {@code logGeneration} begins: runtime.log's size at its launch (the log is shared
     * by every generation), the log's rotations since, and the cgroup's OOM-kill count then.
     */
    private volatile long logGeneration = -1;
    private volatile long logStart;
    private final java.util.concurrent.atomic.AtomicInteger logRotations = new java.util.concurrent.atomic.AtomicInteger();
    private volatile Optional<OomKills.Count> oomAtLaunch = Optional.empty();

    /** How often an adopted server is looked for in /proc where the kernel offers no pidfd. */
    static final java.time.Duration ADOPTED_POLL = java.time.Duration.ofMillis(100);
    private final java.util.concurrent.ScheduledExecutorService adoptedWatch =
            java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "glyph-adopted-watch");
                t.setDaemon(true);
                return t;
            });

    public ProcessRuntimeControl(RuntimeConfig config, RestartConfig restart, AuditSink audit, Path home,
                                 Optional<GpuRelease> gpuRelease, Path stateDir) {
        this.stateDir = stateDir;
        this.config = config;
        this.restart = restart;
        this.audit = audit;
        this.cleaner = new CacheCleaner(home);
        this.gpuRelease = gpuRelease;
    }

    /** Makes a previous daemon's server the current one (for probes and stops), as {@code generation}. */
    void install(ServerRecord r) {
        synchronized (serverLock) {
            current = r.process(stateDir.toString());
            main = current;
            currentGeneration = r.generation();
        }
        markOutputStart(r.generation()); // what an adopted server wrote before is not known to be its own
    }

    /**
     * Supervises an adopted server: not our child, so there is no exit callback, and its exit status is
     * unknown (-1). Its death is noticed through a pidfd, which becomes readable the moment the process exits
     * (zombie or not), on a thread that sleeps in poll(2) until then; where the kernel offers no pidfd, by
     * looking at /proc every {@link #ADOPTED_POLL}, as the same process (pid and start time) and not a zombie.
     * Not ProcessHandle.onExit: for a non-child it sleeps 300 ms, then 30 ms longer each round up to 5 s, so an
     * adopted server that had run for a few minutes died up to 5 s before the daemon noticed (its probes
     * noticed first), and it takes a zombie for alive.
     */
    void watchAdopted(ServerRecord r, IntConsumer onExit) {
        install(r);
        Optional<PidFd> pidfd = PidFd.open(r.pid());
        if (pidfd.isEmpty()) {
            lookAgainLater(r, onExit);
            return;
        }
        // Opened first, then checked: the descriptor is for whatever process had the pid at that moment, so a
        // matching start time now proves it is the recorded server (not a later process that reused the pid).
        boolean same = ProcessTable.get(r.pid()).filter(p -> !p.isZombie() && p.startTicks() == r.startTicks()).isPresent();
        if (!same) {
            pidfd.get().close();
            onExit.accept(-1);
            return;
        }
        Thread watch = new Thread(() -> {
            try (PidFd fd = pidfd.get()) {
                fd.awaitExit(-1);
            }
            onExit.accept(-1);
        }, "glyph-adopted-watch-" + r.pid());
        watch.setDaemon(true);
        watch.start();
    }

    private void lookAgainLater(ServerRecord r, IntConsumer onExit) {
        adoptedWatch.schedule(() -> {
            boolean alive = ProcessTable.get(r.pid())
                    .filter(p -> !p.isZombie() && p.startTicks() == r.startTicks()).isPresent();
            if (alive) {
                lookAgainLater(r, onExit);
            } else {
                onExit.accept(-1);
            }
        }, ADOPTED_POLL.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    private void writeRecord(ServerRecord r) {
        try {
            r.write(stateDir);
        } catch (IOException e) {
            LOG.log(Level.WARNING, "cannot record the server in " + stateDir + ": " + e.getMessage());
        }
    }

    private void deleteRecord() {
        try {
            ServerRecord.delete(stateDir);
        } catch (IOException e) {
            LOG.log(Level.WARNING, "cannot remove the server record in " + stateDir + ": " + e.getMessage());
        }
    }

    /** Called with the tree's pids at each memory reading. */
    void noteTree(Set<Long> pids) {
        treeSeen.addAll(pids);
    }

    /**
     * Launches a no-op the way the server will be launched, and stops it the way the server will be
     * stopped: a missing setsid or an unwritable log fails here, before anything is supervised, and the
     * first real relaunch does not pay for loading the launch and stop path (it is measured in ms).
     */
    public void selfTest() throws LaunchException {
        java.util.concurrent.CompletableFuture<Integer> exited = new java.util.concurrent.CompletableFuture<>();
        LaunchedProcess p = launcher.launch(new LaunchSpec(java.util.List.of("/bin/sh", "-c", ":"), config.workdir(),
                java.util.Map.of(), config.log(), config.logMaxBytes(), null), exited::complete);
        int code;
        try {
            // get with a timeout, not orTimeout: that starts CompletableFuture's delay thread, kept for the JVM's life.
            code = exited.get(10, java.util.concurrent.TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new LaunchException("a test launch of /bin/sh -c : in a new session did not exit within 10 s: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LaunchException("interrupted while a test launch of /bin/sh -c : ran", e);
        }
        StopReport report = stopper.stop(p, java.time.Duration.ofSeconds(1), java.time.Duration.ofSeconds(1));
        if (code != 0 || !report.converged()) {
            throw new LaunchException("a test launch of /bin/sh -c : in a new session exited " + code
                    + (report.converged() ? "" : " and left pids " + report.stillAlive()));
        }
        config.port().ifPresent(PortCheck::isFree);
    }

    /** The tree of the current generation (its launched command), or null. */
    public LaunchedProcess current() {
        return current;
    }

    /** The main process of the current generation (the launched command, or what it forked), or null. */
    public LaunchedProcess mainProcess() {
        return main;
    }

    @Override
    public long launch(long generation, Listener listener) throws LaunchRefusedException {
        if (config.port().isPresent() && !PortCheck.isFree(config.port().getAsInt())) {
            // Someone else holds the port (nothing of ours runs now): name them, never kill them.
            int port = config.port().getAsInt();
            Optional<PortHolder> holder = PortCheck.holder(port);
            Map<String, Object> fields = new LinkedHashMap<>();
            fields.put("port", port);
            fields.put("holder_pid", holder.map(PortHolder::pid).orElse(-1L));
            fields.put("holder_command", holder.map(PortHolder::command).orElse(null));
            audit.record(AuditEvent.PORT_IN_USE, generation, fields);
            throw new LaunchRefusedException("port_in_use", "runtime.port " + port + " is held by "
                    + holder.filter(h -> h.pid() > 0).map(h -> "pid " + h.pid() + " (" + h.command() + ")")
                            .orElse("a process we may not see (another user's?)")
                    + ", which this supervisor did not start; no launch until it is free");
        }
        if (gpuRelease.isPresent()) {
            checkGpu(gpuRelease.get(), generation);
        }
        rotateLog();
        markOutputStart(generation);
        gpuRelease.ifPresent(g -> gpuBaseline = g.baseline());
        treeSeen.clear();
        // The marker (this state directory) finds every process of the tree, whatever it does to its session and
        // parent, in every stop, memory reading and fork judgement, and in the next daemon's recovery.
        LaunchSpec spec = new LaunchSpec(config.command(), config.workdir(), config.env(), config.log(),
                config.logMaxBytes(), stateDir.toString());
        try {
            // The exit may come before launch() returns: it is judged once the tree's root is known.
            java.util.concurrent.CompletableFuture<LaunchedProcess> root = new java.util.concurrent.CompletableFuture<>();
            LaunchedProcess p = launcher.launch(spec, code -> root.thenAccept(r ->
                    TreeWatch.launchedCommandExited(r, code, config.port(), follower(generation, listener))));
            synchronized (serverLock) {
                current = p;
                main = p;
                currentGeneration = generation;
            }
            try {
                writeRecord(ServerRecord.of(generation, p));
                Map<String, Object> fields = new LinkedHashMap<>();
                fields.put("pid", p.pid());
                fields.put("pgid", p.pgid());
                fields.put("command", config.command());
                fields.put("workdir", config.workdir().toString());
                fields.put("log", config.log().toString());
                audit.record(AuditEvent.RUNTIME_LAUNCHED, generation, fields);
                return p.pid();
            } finally {
                root.complete(p); // after runtime_launched: what became of the launch is told after the launch
            }
        } catch (LaunchException e) {
            Map<String, Object> fields = new LinkedHashMap<>();
            fields.put("command", config.command());
            fields.put("error", e.getMessage());
            audit.record(AuditEvent.LAUNCH_FAILED, generation, fields);
            throw new LaunchRefusedException("launch_error", e.getMessage());
        }
    }

    /** Passes the tree's news on, and makes a forked process the main one while its generation is current. */
    private TreeWatch.Listener follower(long generation, Listener listener) {
        return new TreeWatch.Listener() {
            @Override
            public void forked(long exitedPid, ProcInfo chosen, java.util.List<ProcInfo> survivors, boolean holdsPort) {
                synchronized (serverLock) {
                    LaunchedProcess root = current;
                    if (currentGeneration == generation && root != null) {
                        main = new LaunchedProcess(chosen.pid(), chosen.pgid(), chosen.startTicks(), root.command(),
                                root.launchedAt(), root.marker());
                    }
                }
                listener.forked(exitedPid, chosen.pid(), survivors.stream().map(ProcInfo::pid).toList(), holdsPort);
            }

            @Override
            public void exited(int exitCode) {
                listener.exited(exitCode);
            }
        };
    }

    /**
     * Before a launch: pids of the old tree that the last stop saw still holding GPU memory are looked for again
     * (no launch into an OOM while they hold it), then the devices must have room for the server; other processes'
     * memory is theirs, so a device they fill is gpu_busy, not a failure of ours. Either way the launch does not
     * happen and is retried.
     */
    private void checkGpu(GpuRelease gpu, long generation) throws LaunchRefusedException {
        if (unreleased != null) {
            GpuRelease.Result again = gpu.check(unreleased);
            if (!again.converged()) {
                Map<String, Object> fields = new LinkedHashMap<>(again.values());
                fields.put("old_pids", unreleased.stream().sorted().toList());
                audit.record(AuditEvent.GPU_RELEASE_FAILED, generation, fields);
                throw new LaunchRefusedException("gpu_not_released", "pids of the old tree still hold GPU memory: "
                        + again.values().get("old_pids_holding"));
            }
            unreleased = null;
        }
        Optional<GpuRelease.Busy> busy = gpu.busy();
        if (busy.isPresent()) {
            audit.record(AuditEvent.GPU_BUSY, generation, busy.get().values());
            throw new LaunchRefusedException("gpu_busy", busy.get().detail());
        }
    }

    @Override
    public StopOutcome stop(long generation, String reason) {
        LaunchedProcess p = current;
        if (p == null || currentGeneration != generation) {
            return new StopOutcome(true, "nothing was running");
        }
        Set<Long> oldPids = new HashSet<>(treeSeen);
        oldPids.add(p.pid());
        StopReport report = stopper.stop(p, config.stopGrace(), restart.killTimeout());
        oldPids.addAll(report.termed());
        oldPids.addAll(report.survivorsKilled());
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("reason", reason);
        fields.put("pid", p.pid());
        fields.put("signal", report.signal());
        fields.put("grace_ms", config.stopGrace().toMillis());
        fields.put("elapsed_ms", report.elapsed().toMillis());
        fields.put("termed", report.termed());
        fields.put("survivors_killed", report.survivorsKilled());
        fields.put("still_alive", report.stillAlive());
        if (!report.converged()) {
            audit.record(AuditEvent.RUNTIME_STOPPED, generation, fields);
            return new StopOutcome(false, "pids " + report.stillAlive() + " of the old tree are still alive");
        }
        if (config.port().isPresent()) {
            int port = config.port().getAsInt();
            long start = System.nanoTime();
            Optional<PortHolder> holder = PortCheck.awaitFree(port, restart.releaseTimeout());
            fields.put("port", port);
            fields.put("port_wait_ms", (System.nanoTime() - start) / 1_000_000);
            if (holder.isPresent()) {
                fields.put("port_holder_pid", holder.get().pid());
                fields.put("port_holder_command", holder.get().command());
                audit.record(AuditEvent.RUNTIME_STOPPED, generation, fields);
                return new StopOutcome(false, "port " + port + " is still held by pid " + holder.get().pid()
                        + " (" + holder.get().command() + ")");
            }
        }
        audit.record(AuditEvent.RUNTIME_STOPPED, generation, fields);
        if (gpuRelease.isPresent()) {
            // A launch follows unless the daemon stops, an operator pauses or a required server went down: then only
            // the old pids are waited for.
            boolean launchFollows = !reason.equals("shutdown") && !reason.equals("operator_stop")
                    && !reason.equals(SupervisorStateMachine.REQUIREMENT_DOWN);
            GpuRelease.Result released = gpuRelease.get().await(oldPids, gpuBaseline, launchFollows);
            Map<String, Object> gpu = new LinkedHashMap<>();
            gpu.put("waited_ms", released.waitedMs());
            gpu.put("old_pids", oldPids.stream().sorted().toList());
            gpu.put("unowned_baseline", gpuBaseline.entrySet().stream()
                    .collect(java.util.stream.Collectors.toMap(e -> Integer.toString(e.getKey()), Map.Entry::getValue)));
            gpu.putAll(released.values());
            if (!released.converged()) {
                unreleased = Set.copyOf(oldPids);
                audit.record(AuditEvent.GPU_RELEASE_FAILED, generation, gpu);
                return new StopOutcome(false, "GPU memory of the old tree not released within "
                        + released.waitedMs() + " ms: " + released.values());
            }
            audit.record(released.unknown() ? AuditEvent.GPU_RELEASE_UNKNOWN : AuditEvent.GPU_RELEASED, generation, gpu);
        }
        synchronized (serverLock) {
            current = null;
            main = null;
        }
        deleteRecord();
        return new StopOutcome(true, "tree gone" + (config.port().isPresent() ? ", port free" : "")
                + (gpuRelease.isPresent() ? ", GPU memory released" : ""));
    }

    @Override
    public void clearCaches(long generation) {
        if (config.caches().isEmpty()) {
            return;
        }
        CacheReport report = cleaner.clear(config.caches());
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("globs", config.caches());
        fields.put("files", report.files());
        fields.put("directories", report.directories());
        fields.put("bytes", report.bytes());
        fields.put("skipped", report.skipped());
        fields.put("errors", report.errors());
        audit.record(AuditEvent.CACHES_CLEARED, generation, fields);
    }

    /**
     * Before each probe cycle: bound runtime.log, and collect the tree's orphans that died (re-parented to us, the
     * subreaper, while the launched command still runs and no {@link TreeWatch} follows the tree), which would
     * otherwise stay zombies until the next stop. One waitid(2) when there are none.
     */
    public void beforeProbeCycle() {
        rotateLog();
        Subreaper.reap();
    }

    /**
     * The last lines generation {@code generation} wrote to runtime.log, from the offset it was launched at (the log of
     * another generation is read from its start), and the kernel's OOM record since its launch.
     */
    @Override
    public dev.glyphsupervisor.core.OutputTail outputTail(long generation) {
        boolean known = generation == logGeneration;
        java.util.List<String> lines = RuntimeLogTail.read(config.log(), known ? logStart : 0,
                known ? logRotations.get() : 0, dev.glyphsupervisor.core.OutputTail.SCAN_BYTES,
                dev.glyphsupervisor.core.OutputTail.SCAN_LINES);
        return new dev.glyphsupervisor.core.OutputTail(lines,
                known ? OomKills.evidence(oomAtLaunch, OomKills.read()) : null);
    }

    private void markOutputStart(long generation) {
        long size;
        try {
            size = java.nio.file.Files.isRegularFile(config.log()) ? java.nio.file.Files.size(config.log()) : 0;
        } catch (IOException e) {
            size = 0;
        }
        logStart = size;
        logRotations.set(0);
        oomAtLaunch = OomKills.read();
        logGeneration = generation;
    }

    /** Keeps runtime.log within its bound; called at each launch and probe cycle. */
    public void rotateLog() {
        try {
            if (RuntimeLog.rotateIfLarger(config.log(), config.logMaxBytes())) {
                logRotations.incrementAndGet();
            }
        } catch (IOException e) {
            LOG.log(Level.WARNING, "cannot rotate " + config.log() + ": " + e.getMessage());
        }
    }
}
