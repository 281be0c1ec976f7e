package dev.glyphsupervisor.daemon;

import org.quartz.CronScheduleBuilder;
import org.quartz.DisallowConcurrentExecution;
import org.quartz.Job;
import org.quartz.JobBuilder;
import org.quartz.JobExecutionContext;
import org.quartz.JobKey;
import org.quartz.Scheduler;
import org.quartz.SchedulerException;
import org.quartz.Trigger;
import org.quartz.TriggerBuilder;
import org.quartz.TriggerKey;
import org.quartz.impl.DirectSchedulerFactory;
import org.quartz.simpl.RAMJobStore;
import org.quartz.spi.ThreadExecutor;
import org.quartz.spi.ThreadPool;

import java.io.Closeable;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TimeZone;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The cron schedules of a daemon (probe schedules written as cron, inference probes on cron, maintenance restarts) on
 * one Quartz scheduler: RAMJobStore, configured in code, jobs keyed by (name, server). {@link ProbeScheduler} makes one
 * only when some server has a cron schedule; intervals need no Quartz.
 *
 * <p>Each job is a thin call ({@link ProbeScheduler.HandOff} or an event posted); a firing that misfires (the daemon
 * was busy or suspended) is dropped rather than run late ({@code withMisfireHandlingInstructionDoNothing}).
 */
final class QuartzCronJobs implements Closeable {

    /** Quartz keeps schedulers in a JVM-wide repository by name: each instance needs its own. */
    private static final AtomicInteger INSTANCES = new AtomicInteger();

    private final Scheduler scheduler;
    /** Every job is the same thin class; its key says which call. */
    private final Map<JobKey, Runnable> jobs = new HashMap<>();

    QuartzCronJobs() throws SchedulerException {
        int instance = INSTANCES.incrementAndGet();
        String name = instance == 1 ? "glyph-supervisor" : "glyph-supervisor-" + instance;
        // Built directly rather than by StdSchedulerFactory from properties: that one sets its parts up through
        // java.beans introspection (~80 more classes loaded for good) and always starts a worker pool.
        RAMJobStore store = new RAMJobStore();
        store.setMisfireThreshold(ProbeScheduler.MISFIRE_THRESHOLD.toMillis());
        DirectSchedulerFactory factory = DirectSchedulerFactory.getInstance();
        factory.createScheduler(name, name, new JobsOnSchedulerThread(), new DaemonThreadExecutor(), store,
                Map.of(), null, 0, -1, -1, false, null);
        scheduler = factory.getScheduler(name);
        scheduler.setJobFactory((bundle, s) -> new CallJob(jobs.get(bundle.getJobDetail().getKey())));
    }

    /** Calls {@code job} when {@code expression} (a Quartz cron, in the machine's time zone) says; before {@link #start}. */
    void add(String name, String server, String expression, Runnable job) throws SchedulerException {
        JobKey key = JobKey.jobKey(name, server);
        jobs.put(key, job);
        Trigger trigger = TriggerBuilder.newTrigger().withIdentity(name, server)
                .withSchedule(CronScheduleBuilder.cronSchedule(expression)
                        .inTimeZone(TimeZone.getDefault())
                        .withMisfireHandlingInstructionDoNothing())
                .build();
        scheduler.scheduleJob(JobBuilder.newJob(CallJob.class).withIdentity(key).build(), trigger);
    }

    void start() throws SchedulerException {
        scheduler.start();
    }

    /** When the job (name, server) fires next, or empty (none, or the scheduler shut down). */
    Optional<Instant> next(String name, String server) {
        try {
            Trigger t = scheduler.getTrigger(TriggerKey.triggerKey(name, server));
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
        }
    }

    /** One call at a time per job key (the calls only hand over or post an event). */
    @DisallowConcurrentExecution
    static final class CallJob implements Job {
        private final Runnable call;

        CallJob(Runnable call) {
            this.call = call;
        }

        @Override
        public void execute(JobExecutionContext context) {
            call.run();
        }
    }

    /**
     * Quartz's "thread pool" that runs each job on the scheduler thread itself. Every job here only hands a cycle to
     * the cycle threads or posts an event, so a worker thread would only add a thread and a wake-up to every firing.
     * Public, as Quartz sets its names through reflection.
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
}
