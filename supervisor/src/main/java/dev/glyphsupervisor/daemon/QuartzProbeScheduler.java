package dev.glyphsupervisor.daemon;

import dev.glyphsupervisor.config.CronProbeSchedule;
import dev.glyphsupervisor.config.IntervalProbeSchedule;
import dev.glyphsupervisor.config.ProbeSchedule;
import org.quartz.CronScheduleBuilder;
import org.quartz.DisallowConcurrentExecution;
import org.quartz.Job;
import org.quartz.JobBuilder;
import org.quartz.JobExecutionContext;
import org.quartz.JobKey;
import org.quartz.Scheduler;
import org.quartz.SchedulerException;
import org.quartz.SimpleScheduleBuilder;
import org.quartz.Trigger;
import org.quartz.TriggerBuilder;
import org.quartz.TriggerKey;
import org.quartz.impl.DirectSchedulerFactory;
import org.quartz.simpl.RAMJobStore;
import org.quartz.spi.ThreadExecutor;
import org.quartz.spi.ThreadPool;

import java.io.Closeable;
import java.time.Instant;
import java.util.Date;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TimeZone;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs the probe schedules of every server with one Quartz scheduler: RAMJobStore, one thread pool, and per
 * server one probe job and, when it has a maintenance schedule, one maintenance job, configured in code from our
 * YAML. Each job is a thin call into that server's supervisor ({@link Supervisor#scheduledProbe()},
 * {@link Supervisor#maintenanceDue()}). A schedule that misfires (the daemon was busy or suspended, or the
 * server's previous cycle still runs) skips to the next time rather than bursting.
 *
 * <p>Probes of different servers run concurrently; a slow cycle of one server delays that server's next cycle only.
 *
 * <p>Quartz runs the jobs on its scheduler thread ({@link JobsOnSchedulerThread}, no worker pool): a job only hands
 * its call to {@link #cycles}, a pool of threads that exist
 * while there is work (an idle one ends after {@link #CYCLE_THREAD_IDLE}), so a probe that blocks for its whole
 * timeout (a hung health endpoint) holds up that server's cycle only, never the schedule or another server's probes,
 * and sixteen servers probed every second keep about as many threads as cycles overlap (one or two), not sixteen.
 * A server's cycle never overlaps itself: a firing that finds the previous one of that server still running is
 * skipped, as a misfire is.
 *
 * <p>Interval schedules are spread: server {@code i} of {@code n} first fires {@code every * (1 + i/n)} after the
 * start, then every {@code every}, so sixteen servers probed every second do not all wake at once. Cron schedules
 * fire when their expression says.
 */
final class QuartzProbeScheduler implements Closeable {

    /** The name the one server of a single-server config goes by (the constructor without names). */
    static final String DEFAULT_SERVER = "default";

    private static final String PROBES = "probes";
    private static final String MAINTENANCE = "maintenance";
    private static final String INFERENCE = "inference";
    /** Quartz keeps schedulers in a JVM-wide repository by name: each instance needs its own. */
    private static final AtomicInteger INSTANCES = new AtomicInteger();

    /**
     * What one server has scheduled.
     *
     * @param server         the server's name: the Quartz group of its jobs and triggers
     * @param schedule       when its liveness probes run
     * @param probe          one probe cycle (runs on a Quartz thread; never twice at once for one server)
     * @param maintenance    when its maintenance restart is due, if it has one
     * @param maintenanceDue what to call then (only posts an event)
     * @param inference      when its inference probe runs, if it has one
     * @param inferenceDue   one inference probe (runs on a cycle thread; never twice at once for one server)
     */
    record ServerSchedule(String server, ProbeSchedule schedule, Runnable probe, Optional<CronProbeSchedule> maintenance,
                          Runnable maintenanceDue, Optional<ProbeSchedule> inference, Runnable inferenceDue) {

        /** Without an inference probe. */
        ServerSchedule(String server, ProbeSchedule schedule, Runnable probe, Optional<CronProbeSchedule> maintenance,
                       Runnable maintenanceDue) {
            this(server, schedule, probe, maintenance, maintenanceDue, Optional.empty(), () -> { });
        }

        ServerSchedule {
            Objects.requireNonNull(inference, "inference");
            Objects.requireNonNull(inferenceDue, "inferenceDue");
            Objects.requireNonNull(server, "server");
            if (server.isBlank()) {
                throw new IllegalArgumentException("a server's name must not be blank");
            }
            Objects.requireNonNull(schedule, "schedule");
            Objects.requireNonNull(probe, "probe");
            Objects.requireNonNull(maintenance, "maintenance");
            Objects.requireNonNull(maintenanceDue, "maintenanceDue");
        }
    }

    /** A firing later than this (the daemon was busy or suspended) is a misfire: skipped, not run late. */
    static final java.time.Duration MISFIRE_THRESHOLD = java.time.Duration.ofSeconds(1);

    /** How long a cycle thread waits for the next cycle before it ends. */
    static final java.time.Duration CYCLE_THREAD_IDLE = java.time.Duration.ofSeconds(10);

    private final Scheduler scheduler;
    private final List<String> servers;
    /** Runs the probe cycles the jobs hand over: at most one per server at a time, so never more threads than servers. */
    private final java.util.concurrent.ThreadPoolExecutor cycles;

    /** The single-server daemon's schedule: one server, named {@value #DEFAULT_SERVER}. */
    public QuartzProbeScheduler(ProbeSchedule schedule, Runnable probe, Optional<CronProbeSchedule> maintenance,
                                Runnable maintenanceDue) throws ProbeScheduleException {
        this(List.of(new ServerSchedule(DEFAULT_SERVER, schedule, probe, maintenance, maintenanceDue)));
    }

    /**
     * Schedules every server's jobs on one scheduler; nothing fires before {@link #start()}.
     *
     * @throws IllegalArgumentException when there is no server or two have the same name
     */
    public QuartzProbeScheduler(List<ServerSchedule> servers) throws ProbeScheduleException {
        if (servers.isEmpty()) {
            throw new IllegalArgumentException("no server to schedule");
        }
        Set<String> names = new HashSet<>();
        for (ServerSchedule s : servers) {
            if (!names.add(s.server())) {
                throw new IllegalArgumentException("server '" + s.server() + "' is scheduled twice");
            }
        }
        this.servers = servers.stream().map(ServerSchedule::server).toList();
        // Each server has at most one probe cycle and one inference probe in flight.
        this.cycles = new java.util.concurrent.ThreadPoolExecutor(0, 2 * servers.size(), CYCLE_THREAD_IDLE.toMillis(),
                java.util.concurrent.TimeUnit.MILLISECONDS, new java.util.concurrent.SynchronousQueue<>(), r -> {
                    Thread t = new Thread(r, "glyph-probe");
                    t.setDaemon(true);
                    return t;
                });
        try {
            scheduler = schedule(servers, cycles);
        } catch (SchedulerException e) {
            throw new ProbeScheduleException(e.getMessage(), e);
        }
    }

    private static Scheduler schedule(List<ServerSchedule> servers, java.util.concurrent.Executor cycles)
            throws SchedulerException {
        int instance = INSTANCES.incrementAndGet();
        String name = instance == 1 ? "glyph-supervisor" : "glyph-supervisor-" + instance;
        // Built directly rather than by StdSchedulerFactory from properties: that one sets its parts up through
        // java.beans introspection (~80 more classes loaded for good) and always starts a worker pool.
        RAMJobStore store = new RAMJobStore();
        store.setMisfireThreshold(MISFIRE_THRESHOLD.toMillis());
        DirectSchedulerFactory factory = DirectSchedulerFactory.getInstance();
        factory.createScheduler(name, name, new JobsOnSchedulerThread(), new DaemonThreadExecutor(), store,
                Map.of(), null, 0, -1, -1, false, null);
        Scheduler scheduler = factory.getScheduler(name);
        // Every job is the same thin class; its key (name: probes or maintenance, group: the server) says which call.
        Map<JobKey, ProbeJob> jobs = new HashMap<>();
        scheduler.setJobFactory((bundle, s) -> jobs.get(bundle.getJobDetail().getKey()));
        long now = System.currentTimeMillis();
        for (int i = 0; i < servers.size(); i++) {
            ServerSchedule server = servers.get(i);
            JobKey probes = JobKey.jobKey(PROBES, server.server());
            jobs.put(probes, new ProbeJob(new HandOff(server.server(), server.probe(), cycles)));
            scheduler.scheduleJob(JobBuilder.newJob(ProbeJob.class).withIdentity(probes).build(),
                    trigger(PROBES, server.server(), server.schedule(), now, i, servers.size()));
            if (server.inference().isPresent()) {
                JobKey inference = JobKey.jobKey(INFERENCE, server.server());
                jobs.put(inference, new ProbeJob(new HandOff(server.server(), server.inferenceDue(), cycles)));
                scheduler.scheduleJob(JobBuilder.newJob(ProbeJob.class).withIdentity(inference).build(),
                        trigger(INFERENCE, server.server(), server.inference().get(), now, i, servers.size()));
            }
            if (server.maintenance().isPresent()) {
                JobKey maintenance = JobKey.jobKey(MAINTENANCE, server.server());
                jobs.put(maintenance, new ProbeJob(server.maintenanceDue()));
                Trigger t = TriggerBuilder.newTrigger().withIdentity(MAINTENANCE, server.server())
                        .withSchedule(CronScheduleBuilder.cronSchedule(server.maintenance().get().expression())
                                .inTimeZone(TimeZone.getDefault())
                                .withMisfireHandlingInstructionDoNothing())
                        .build();
                scheduler.scheduleJob(JobBuilder.newJob(ProbeJob.class).withIdentity(maintenance).build(), t);
            }
        }
        return scheduler;
    }

    /** The servers scheduled, in the order given. */
    public List<String> servers() {
        return servers;
    }

    public void start() throws ProbeScheduleException {
        try {
            scheduler.start();
        } catch (SchedulerException e) {
            throw new ProbeScheduleException(e.getMessage(), e);
        }
    }

    /** The next time the probes of the only server fire, or empty; for the single-server daemon. */
    public Optional<Instant> nextFireTime() {
        return nextFireTime(only());
    }

    /** The next planned maintenance restart of the only server, or empty; for the single-server daemon. */
    public Optional<Instant> nextMaintenanceTime() {
        return nextMaintenanceTime(only());
    }

    /**
     * The next time {@code server}'s probes fire, or empty (a schedule that has ended, a scheduler shut down).
     *
     * @throws IllegalArgumentException when no server of that name is scheduled
     */
    public Optional<Instant> nextFireTime(String server) {
        return nextFireTime(known(server), PROBES);
    }

    /**
     * The next time {@code server}'s inference probe runs, or empty (none configured).
     *
     * @throws IllegalArgumentException when no server of that name is scheduled
     */
    public Optional<Instant> nextInferenceTime(String server) {
        return nextFireTime(known(server), INFERENCE);
    }

    /**
     * {@code server}'s next planned maintenance restart, or empty (none configured).
     *
     * @throws IllegalArgumentException when no server of that name is scheduled
     */
    public Optional<Instant> nextMaintenanceTime(String server) {
        return nextFireTime(known(server), MAINTENANCE);
    }

    private String only() {
        if (servers.size() != 1) {
            throw new IllegalStateException("this schedule has " + servers.size() + " servers; name one: " + servers);
        }
        return servers.get(0);
    }

    private String known(String server) {
        if (!servers.contains(server)) {
            throw new IllegalArgumentException("no server '" + server + "' is scheduled; the servers are " + servers);
        }
        return server;
    }

    private Optional<Instant> nextFireTime(String server, String trigger) {
        try {
            Trigger t = scheduler.getTrigger(TriggerKey.triggerKey(trigger, server));
            return t == null || t.getNextFireTime() == null ? Optional.empty() : Optional.of(t.getNextFireTime().toInstant());
        } catch (SchedulerException e) {
            return Optional.empty();
        }
    }

    @Override
    public void close() {
        try {
            scheduler.shutdown(false);
        } catch (SchedulerException ignored) {
            // shutting down anyway
        } finally {
            cycles.shutdownNow();
        }
    }

    /** Server {@code index} of {@code count}: an interval starts a share of it later than the one before. */
    private static Trigger trigger(String name, String server, ProbeSchedule schedule, long now, int index, int count) {
        TriggerBuilder<Trigger> builder = TriggerBuilder.newTrigger().withIdentity(name, server);
        if (schedule instanceof CronProbeSchedule cron) {
            return builder.withSchedule(CronScheduleBuilder.cronSchedule(cron.expression())
                            .inTimeZone(TimeZone.getDefault())
                            .withMisfireHandlingInstructionDoNothing())
                    .build();
        }
        long ms = ((IntervalProbeSchedule) schedule).every().toMillis();
        return builder.startAt(new Date(now + ms + ms * index / count))
                .withSchedule(SimpleScheduleBuilder.simpleSchedule()
                        .withIntervalInMilliseconds(ms)
                        .repeatForever()
                        .withMisfireHandlingInstructionNextWithRemainingCount())
                .build();
    }

    /**
     * A server's probe cycle handed to the cycle threads, unless its previous cycle still runs: then this firing is
     * skipped (its next comes at the next scheduled time), so a slow cycle delays that server only and never queues.
     */
    static final class HandOff implements Runnable {
        private static final java.util.logging.Logger LOG = java.util.logging.Logger.getLogger(HandOff.class.getName());
        private final String server;
        private final Runnable cycle;
        private final java.util.concurrent.Executor cycles;
        private final java.util.concurrent.atomic.AtomicBoolean running = new java.util.concurrent.atomic.AtomicBoolean();

        HandOff(String server, Runnable cycle, java.util.concurrent.Executor cycles) {
            this.server = server;
            this.cycle = cycle;
            this.cycles = cycles;
        }

        @Override
        public void run() {
            if (!running.compareAndSet(false, true)) {
                LOG.fine(() -> server + ": previous probe cycle still running; this one skipped");
                return;
            }
            try {
                cycles.execute(() -> {
                    try {
                        cycle.run();
                    } finally {
                        running.set(false);
                    }
                });
            } catch (java.util.concurrent.RejectedExecutionException closed) {
                running.set(false); // the scheduler is closing
            }
        }
    }

    /**
     * Quartz's "thread pool" that runs each job on the scheduler thread itself. Every job here only hands a cycle to
     * {@link #cycles} or posts an event, so a worker thread would only add a thread and a wake-up to every firing
     * (sixteen firings a second with sixteen servers). Public, as Quartz sets its names through reflection.
     */
    public static final class JobsOnSchedulerThread implements ThreadPool {
        @Override
        public boolean runInThread(Runnable job) {
            job.run();
            return true;
        }

        @Override
        public int blockForAvailableThreads() {
            return 1;
        }

        @Override
        public void initialize() {
        }

        @Override
        public void shutdown(boolean waitForJobsToComplete) {
        }

        @Override
        public int getPoolSize() {
            return 1;
        }

        @Override
        public void setInstanceId(String id) {
        }

        @Override
        public void setInstanceName(String name) {
        }
    }

    /** Starts Quartz's scheduler thread as a daemon thread: it must never keep the JVM alive. */
    public static final class DaemonThreadExecutor implements ThreadExecutor {
        @Override
        public void initialize() {
        }

        @Override
        public void execute(Thread thread) {
            thread.setDaemon(true);
            thread.start();
        }
    }

    /** One call at a time per job key (maintenance jobs only post an event; probe jobs only hand over). */
    @DisallowConcurrentExecution
    static final class ProbeJob implements Job {
        private final Runnable probe;

        ProbeJob(Runnable probe) {
            this.probe = probe;
        }

        @Override
        public void execute(JobExecutionContext context) {
            probe.run();
        }
    }
}
