package dev.glyphsupervisor.daemon;

import dev.glyphsupervisor.config.CronProbeSchedule;
import dev.glyphsupervisor.config.IntervalProbeSchedule;
import dev.glyphsupervisor.config.ProbeSchedule;
import org.quartz.CronScheduleBuilder;
import org.quartz.DisallowConcurrentExecution;
import org.quartz.Job;
import org.quartz.JobBuilder;
import org.quartz.JobDetail;
import org.quartz.JobExecutionContext;
import org.quartz.Scheduler;
import org.quartz.SchedulerException;
import org.quartz.SimpleScheduleBuilder;
import org.quartz.Trigger;
import org.quartz.TriggerBuilder;
import org.quartz.impl.StdSchedulerFactory;

import java.io.Closeable;
import java.time.Instant;
import java.util.Date;
import java.util.Optional;
import java.util.Properties;
import java.util.TimeZone;

/**
 * Runs the probe schedule with Quartz: RAMJobStore, one worker thread, one job, configured in code from
 * our YAML. A cron schedule that misfires (the daemon was busy or suspended) skips to the next time
 * rather than bursting; the job is a thin call into {@link Supervisor#scheduledProbe()}.
 */
final class QuartzProbeScheduler implements Closeable {

    private final Scheduler scheduler;

    public QuartzProbeScheduler(ProbeSchedule schedule, Runnable probe, Optional<CronProbeSchedule> maintenance,
                                Runnable maintenanceDue) throws ProbeScheduleException {
        try {
            scheduler = schedule(schedule, probe, maintenance, maintenanceDue);
        } catch (SchedulerException e) {
            throw new ProbeScheduleException(e.getMessage(), e);
        }
    }

    private static Scheduler schedule(ProbeSchedule schedule, Runnable probe, Optional<CronProbeSchedule> maintenance,
                                      Runnable maintenanceDue) throws SchedulerException {
        Properties props = new Properties();
        props.setProperty("org.quartz.scheduler.instanceName", "glyph-supervisor");
        props.setProperty("org.quartz.scheduler.skipUpdateCheck", "true");
        props.setProperty("org.quartz.threadPool.threadCount", "1");
        props.setProperty("org.quartz.threadPool.makeThreadsDaemons", "true");
        props.setProperty("org.quartz.scheduler.makeSchedulerThreadDaemon", "true");
        props.setProperty("org.quartz.jobStore.class", "org.quartz.simpl.RAMJobStore");
        props.setProperty("org.quartz.jobStore.misfireThreshold", "1000");
        StdSchedulerFactory factory = new StdSchedulerFactory(props);
        Scheduler scheduler = factory.getScheduler();
        ProbeJob probeJob = new ProbeJob(probe);
        ProbeJob maintenanceJob = new ProbeJob(maintenanceDue);
        // Two jobs, one class: the job's key says which thin call to make.
        scheduler.setJobFactory((bundle, s) ->
                bundle.getJobDetail().getKey().getName().equals("maintenance") ? maintenanceJob : probeJob);
        scheduler.scheduleJob(JobBuilder.newJob(ProbeJob.class).withIdentity("probes").build(), trigger(schedule));
        if (maintenance.isPresent()) {
            Trigger t = TriggerBuilder.newTrigger().withIdentity("maintenance")
                    .withSchedule(CronScheduleBuilder.cronSchedule(maintenance.get().expression())
                            .inTimeZone(TimeZone.getDefault())
                            .withMisfireHandlingInstructionDoNothing())
                    .build();
            scheduler.scheduleJob(JobBuilder.newJob(ProbeJob.class).withIdentity("maintenance").build(), t);
        }
        return scheduler;
    }

    /** The next planned maintenance restart, or empty. */
    public Optional<Instant> nextMaintenanceTime() {
        return nextFireTime("maintenance");
    }

    public void start() throws ProbeScheduleException {
        try {
            scheduler.start();
        } catch (SchedulerException e) {
            throw new ProbeScheduleException(e.getMessage(), e);
        }
    }

    /** The next time the probes fire, or empty. */
    public Optional<Instant> nextFireTime() {
        return nextFireTime("probes");
    }

    private Optional<Instant> nextFireTime(String trigger) {
        try {
            Trigger t = scheduler.getTrigger(org.quartz.TriggerKey.triggerKey(trigger));
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

    private static Trigger trigger(ProbeSchedule schedule) {
        TriggerBuilder<Trigger> builder = TriggerBuilder.newTrigger().withIdentity("probes");
        if (schedule instanceof CronProbeSchedule cron) {
            return builder.withSchedule(CronScheduleBuilder.cronSchedule(cron.expression())
                            .inTimeZone(TimeZone.getDefault())
                            .withMisfireHandlingInstructionDoNothing())
                    .build();
        }
        long ms = ((IntervalProbeSchedule) schedule).every().toMillis();
        return builder.startAt(new Date(System.currentTimeMillis() + ms))
                .withSchedule(SimpleScheduleBuilder.simpleSchedule()
                        .withIntervalInMilliseconds(ms)
                        .repeatForever()
                        .withMisfireHandlingInstructionNextWithRemainingCount())
                .build();
    }

    /** One probe cycle at a time: a slow cycle delays the next instead of overlapping it. */
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
