package dev.glyphsupervisor.daemon;

import dev.glyphsupervisor.config.CronProbeSchedule;
import dev.glyphsupervisor.config.IntervalProbeSchedule;
import dev.glyphsupervisor.config.ProbeSchedule;
import org.quartz.SchedulerException;

import java.io.Closeable;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Runs the schedules of every server: its probe cycles, its inference probe and its maintenance restart. Each firing
 * is a thin call into that server's supervisor ({@link Supervisor#scheduledProbe()}, {@link Supervisor#inferenceDue()},
 * {@link Supervisor#maintenanceDue()}). A firing that misfires (the daemon was busy or suspended, or the server's
 * previous cycle still runs) is skipped: the schedule goes on at its next time rather than bursting.
 *
 * <p>Interval schedules (the usual {@code schedule: 1s}) run on one timer thread of the JDK's ({@code glyph-schedule});
 * cron schedules on Quartz ({@link QuartzCronJobs}), made only when some server has one. Quartz cost ~0.3 ms of CPU a
 * firing here, one sixth of a whole probe cycle (measured with sixteen servers probed every second, issue 15), for
 * what a timer does exactly; its value is cron.
 *
 * <p>A probe firing only hands the cycle to {@link #cycles}, a pool of threads that exist while there is work (an
 * idle one ends after {@link #CYCLE_THREAD_IDLE}), so a probe that blocks for its whole timeout (a hung health
 * endpoint) holds up that server's cycle only, never the schedule or another server's probes, and sixteen servers
 * probed every second keep about as many threads as cycles overlap (one or two), not sixteen. A server's cycle never
 * overlaps itself: a firing that finds the previous one of that server still running is skipped, as a misfire is.
 *
 * <p>Interval schedules are spread: server {@code i} of {@code n} first fires {@code every * (1 + i/n)} after the
 * start, then every {@code every}, so sixteen servers probed every second do not all wake at once. Cron schedules
 * fire when their expression says.
 */
final class ProbeScheduler implements Closeable {

    /** The name the one server of a single-server config goes by (the constructor without names). */
    static final String DEFAULT_SERVER = "default";

    private static final String PROBES = "probes";
    private static final String MAINTENANCE = "maintenance";
    private static final String INFERENCE = "inference";

    /**
     * What one server has scheduled.
     *
     * @param server         the server's name
     * @param schedule       when its liveness probes run
     * @param probe          one probe cycle (runs on a cycle thread; never twice at once for one server)
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
    static final Duration MISFIRE_THRESHOLD = Duration.ofSeconds(1);

    /** How long a cycle thread waits for the next cycle before it ends. */
    static final Duration CYCLE_THREAD_IDLE = Duration.ofSeconds(10);

    private final List<String> servers;
    /** Runs the probe cycles the firings hand over: at most one per server at a time, so never more threads than servers. */
    private final java.util.concurrent.ThreadPoolExecutor cycles;
    /** The interval schedules' one thread: a firing only hands a cycle over, so it never waits on a probe. */
    private final ScheduledThreadPoolExecutor timer;
    /** The interval schedules, by (name, server). */
    private final Map<String, Interval> intervals = new HashMap<>();
    /** The cron schedules, or null when no server has one (then no Quartz scheduler is made). */
    private final QuartzCronJobs cron;

    /** The single-server daemon's schedule: one server, named {@value #DEFAULT_SERVER}. */
    public ProbeScheduler(ProbeSchedule schedule, Runnable probe, Optional<CronProbeSchedule> maintenance,
                          Runnable maintenanceDue) throws ProbeScheduleException {
        this(List.of(new ServerSchedule(DEFAULT_SERVER, schedule, probe, maintenance, maintenanceDue)));
    }

    /**
     * Schedules every server's calls; nothing fires before {@link #start()}.
     *
     * @throws IllegalArgumentException when there is no server or two have the same name
     */
    public ProbeScheduler(List<ServerSchedule> servers) throws ProbeScheduleException {
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
                TimeUnit.MILLISECONDS, new java.util.concurrent.SynchronousQueue<>(), r -> {
                    Thread t = new Thread(r, "glyph-probe");
                    t.setDaemon(true);
                    return t;
                });
        this.timer = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "glyph-schedule");
            t.setDaemon(true);
            return t;
        });
        timer.setRemoveOnCancelPolicy(true);
        boolean anyCron = servers.stream().anyMatch(s -> s.schedule() instanceof CronProbeSchedule
                || s.maintenance().isPresent() || s.inference().filter(i -> i instanceof CronProbeSchedule).isPresent());
        try {
            this.cron = anyCron ? new QuartzCronJobs() : null;
            long now = System.nanoTime();
            for (int i = 0; i < servers.size(); i++) {
                ServerSchedule server = servers.get(i);
                add(PROBES, server.server(), server.schedule(), new HandOff(server.server(), server.probe(), cycles),
                        now, i, servers.size());
                if (server.inference().isPresent()) {
                    add(INFERENCE, server.server(), server.inference().get(),
                            new HandOff(server.server(), server.inferenceDue(), cycles), now, i, servers.size());
                }
                if (server.maintenance().isPresent()) {
                    cron.add(MAINTENANCE, server.server(), server.maintenance().get().expression(), server.maintenanceDue());
                }
            }
        } catch (SchedulerException e) {
            close();
            throw new ProbeScheduleException(e.getMessage(), e);
        }
    }

    /** Server {@code index} of {@code count}: an interval starts a share of it later than the one before. */
    private void add(String name, String server, ProbeSchedule schedule, Runnable call, long now, int index, int count)
            throws SchedulerException {
        if (schedule instanceof CronProbeSchedule c) {
            cron.add(name, server, c.expression(), call);
            return;
        }
        long every = ((IntervalProbeSchedule) schedule).every().toNanos();
        intervals.put(key(name, server), new Interval(call, every, now + every + every / count * index));
    }

    private static String key(String name, String server) {
        return name + "/" + server;
    }

    /** The servers scheduled, in the order given. */
    public List<String> servers() {
        return servers;
    }

    /** Whether some server has a cron schedule (and so Quartz runs); for tests. */
    boolean usesQuartz() {
        return cron != null;
    }

    public void start() throws ProbeScheduleException {
        intervals.values().forEach(Interval::schedule);
        if (cron != null) {
            try {
                cron.start();
            } catch (SchedulerException e) {
                throw new ProbeScheduleException(e.getMessage(), e);
            }
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
     * The next time {@code server}'s probes fire, or empty (a scheduler shut down).
     *
     * @throws IllegalArgumentException when no server of that name is scheduled
     */
    public Optional<Instant> nextFireTime(String server) {
        return next(PROBES, known(server));
    }

    /**
     * The next time {@code server}'s inference probe runs, or empty (none configured).
     *
     * @throws IllegalArgumentException when no server of that name is scheduled
     */
    public Optional<Instant> nextInferenceTime(String server) {
        return next(INFERENCE, known(server));
    }

    /**
     * {@code server}'s next planned maintenance restart, or empty (none configured).
     *
     * @throws IllegalArgumentException when no server of that name is scheduled
     */
    public Optional<Instant> nextMaintenanceTime(String server) {
        return next(MAINTENANCE, known(server));
    }

    private Optional<Instant> next(String name, String server) {
        Interval interval = intervals.get(key(name, server));
        if (interval != null) {
            return timer.isShutdown() ? Optional.empty() : Optional.of(interval.nextFire());
        }
        return cron == null ? Optional.empty() : cron.next(name, server);
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

    @Override
    public void close() {
        try {
            if (cron != null) {
                cron.close();
            }
        } finally {
            timer.shutdownNow();
            cycles.shutdownNow();
        }
    }

    /**
     * The slot after {@code due} that an interval schedule of {@code every} fires at next, when it fired (or missed)
     * {@code due} and it is {@code now}: the next slot still ahead, so slots missed while the daemon was busy or
     * suspended are skipped, not run in a burst (all in {@link System#nanoTime()} units).
     */
    static long nextSlot(long due, long every, long now) {
        long next = due + every;
        if (next - now < 0) {
            next += ((now - next) / every + 1) * every;
        }
        return next;
    }

    /** Whether a firing due at {@code due} and running at {@code now} is on time, not a misfire to skip. */
    static boolean onTime(long due, long now) {
        return now - due <= MISFIRE_THRESHOLD.toNanos();
    }

    /** One interval schedule on {@link #timer}: fires at its slots, and skips the ones it misses. */
    private final class Interval {
        private final Runnable call;
        private final long every;
        /** The slot it fires at next ({@link System#nanoTime()}); written by the timer thread only, once started. */
        private long due;
        /** {@link #due} on the wall clock, for status; published after it. */
        private volatile Instant dueAt;

        Interval(Runnable call, long every, long first) {
            this.call = call;
            this.every = every;
            setDue(first);
        }

        private void setDue(long slot) {
            due = slot;
            dueAt = Instant.now().plusNanos(slot - System.nanoTime()).truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
        }

        void schedule() {
            try {
                timer.schedule(this::fire, due - System.nanoTime(), TimeUnit.NANOSECONDS);
            } catch (java.util.concurrent.RejectedExecutionException closed) {
                // the scheduler is closing
            }
        }

        private void fire() {
            long now = System.nanoTime();
            if (onTime(due, now)) {
                try {
                    call.run(); // only hands over (HandOff): never a probe on this thread
                } catch (RuntimeException e) {
                    java.util.logging.Logger.getLogger(ProbeScheduler.class.getName())
                            .log(java.util.logging.Level.WARNING, "a scheduled call failed", e);
                }
            }
            setDue(nextSlot(due, every, now));
            schedule();
        }

        Instant nextFire() {
            return dueAt;
        }
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

}
