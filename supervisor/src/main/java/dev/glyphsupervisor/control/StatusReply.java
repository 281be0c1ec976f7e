package dev.glyphsupervisor.control;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The answer to {@code status}: what the daemon and its server are doing. A null component is a JSON null (the
 * daemon writes every key); the few a daemon older than its field leaves out read as null too ({@code configured},
 * {@code probes_current}, {@code last_failure}, {@code progress}, {@code inference}). Times are instants on the wire as {@link Instant#toString()}.
 *
 * @param state            the state machine's state name (RUNNING, DEGRADED, ..., PAUSED)
 * @param pid              the server's pid, null without a process
 * @param pgid             its process group, null without a process
 * @param uptimeS          seconds since the current generation's launch, null before one
 * @param probesGeneration the generation the last probe results are of, null before any
 * @param probesCurrent    whether they are of the current generation's running server
 * @param progress         probes.progress, null when it is not configured (or the daemon is older than it)
 * @param inference        probes.inference, null when it is not configured (or the daemon is older than it)
 * @param launchRefused    why the last launch was refused, while waiting (BACKOFF/FAILED) after one; else null
 * @param config           the config file the daemon runs on (absolute)
 * @param audit            its audit log
 */
public record StatusReply(String state, Long pid, Long pgid, long generation, Long uptimeS, long daemonPid,
                          long daemonUptimeS, Restarts restarts, LastRestart lastRestart, LastFailure lastFailure,
                          List<ProbeLine> probes, Long probesGeneration, Boolean probesCurrent, Gpu gpu, Memory memory,
                          Progress progress, Inference inference, LaunchRefused launchRefused, String pausedBy, Instant pausedAt, Instant nextProbe,
                          Instant nextMaintenance, String config, String audit) implements ControlReply {

    public StatusReply {
        probes = List.copyOf(probes);
    }

    /** Restarts decided in the daemon's whole history and in the last 24 hours. */
    public record Restarts(long total, long last24h) {
    }

    /** The last restart's reason, time and detail; all null before the first. */
    public record LastRestart(String reason, Instant at, String detail) {
    }

    /**
     * Why the server did not start, kept until it is healthy again: the restart reason, when, whether before the
     * first healthy answer, the exit code (null when it did not exit), the diagnosed cause and its decisive line
     * (null when nothing was written), what the cause means (null when it has no explanation), whether a retry can
     * fix it, how many identical failures in a row, whether the daemon gave up on it and after how many, the slow
     * retry's period, the last lines of the output, and the output's file.
     */
    public record LastFailure(String reason, Instant at, boolean beforeHealthy, Integer exitCode, String cause,
                              String causeLine, String explanation, boolean retry, int identicalFailures,
                              boolean hopeless, int hopelessAfter, long retryEveryS, List<String> logTail,
                              String runtimeLog) {
        public LastFailure {
            logTail = List.copyOf(logTail);
        }
    }

    /** One probe's last result: name, status name, detail (may be null) and latency. */
    public record ProbeLine(String probe, String status, String detail, double latencyMs) {
    }

    /** Where a memory figure comes from: the reading's generation and time, and whether it is the running one's. */
    public record Reading(long generation, Instant at, boolean current) {
    }

    /**
     * probes.gpu: whether it is configured; the server tree's device memory, its limit, its growth and the time to
     * the limit (null when unknown, not current, or not configured); the reading they come from; why the devices
     * could not be (fully) read, or null; and each watched device, read at the time of the answer.
     */
    public record Gpu(Boolean configured, Long treeBytes, Long limitBytes, Long growthBytesPerHour, Long timeToLimitS,
                      Reading reading, String unknown, List<Device> devices) {
        public Gpu {
            devices = List.copyOf(devices);
        }
    }

    /**
     * One device: used of total, the limit that applies to it (null: none), the server tree's share (null when the
     * server is not running), the other processes' shares by pid (in the order given), and the memory no process
     * is listed for.
     */
    public record Device(int index, String uuid, String name, long used, long total, Long limit, Long tree,
                         Map<String, Long> others, long unowned) {
        public Device {
            others = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(others));
        }
    }

    /** probes.host: the server tree's RSS, its limit, its growth and the host's available memory, like {@link Gpu}. */
    public record Memory(Boolean configured, Long treeRssBytes, Long limitBytes, Long growthBytesPerHour,
                         Long hostAvailableBytes, Reading reading) {
    }

    /**
     * probes.progress: the last reading of the server's own metrics. {@code status} is a {@code ProgressWatch} status
     * name (BASELINE, IDLE, PROGRESSING, FLAT, STALLED, RESET, UNKNOWN), null before the first reading; the figures
     * are null where that reading has none. {@code current}: the reading is of the running server (it is running,
     * past its startup); false: it is from before, shown for what it was. {@code engine}: the preset's name, null for
     * metrics named in the config. {@code hint}: a line for the operator when the last restart was for a stall and
     * the server restarted more than once within the crash-loop window, else null.
     */
    public record Progress(String status, String detail, Double pending, Double counter, Double stepsPerSecond,
                           Double sinceProgressS, Double stalledForS, double stallAfterS, Boolean current, String engine,
                           String url, String hint) {
    }

    /**
     * probes.inference: the last answer ({@code verdict} OK, SLOW or FAILED, null before the first run; its latency,
     * detail, time and HTTP status, null where there is none), the failures in a row of this generation against
     * {@code failureThreshold}, whether a slow answer counts as one ({@code restartOnSlow}, with {@code slowAfterMs}),
     * the last time it was skipped and why (null when never), the next run (null when unknown), and the request.
     */
    public record Inference(String verdict, Double latencyMs, String detail, Instant at, Integer httpStatus,
                            int failures, int failureThreshold, boolean restartOnSlow, Long slowAfterMs,
                            Instant skippedAt, String skipped, Instant next, String method, String url) {
    }

    /** A launch the daemon refused (port in use, GPU memory held): cause, detail, when, the next try, the attempt. */
    public record LaunchRefused(String cause, String detail, Instant at, Instant retryAt, int attempt) {
    }
}
