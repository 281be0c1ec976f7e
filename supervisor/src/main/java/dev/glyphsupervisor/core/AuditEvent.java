package dev.glyphsupervisor.core;

import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The audit log's vocabulary: every event, its name on the wire and the keys its records may carry, each listed in
 * the README's audit table (AuditEventsTest holds the two together). The state machine writes the decisions; the
 * adapters write the facts they observe. Writers take a constant, so a misspelt event does not compile.
 *
 * <p>{@code server} is not an event's key: it is part of the record's header, set by the server's own
 * view of the audit log ({@code JsonlAuditLog.forServer}) on every record of that server.
 */
public enum AuditEvent {

    /** The daemon holds the lock and every listener is bound; {@code servers}: the names of those it supervises. */
    SUPERVISOR_STARTED("supervisor_started",
            "pid", "version", "config", "user", "command", "schedule", "subreaper", "audit_torn_bytes", "servers"),
    /** SIGTERM/SIGINT to the daemon: it stops the server, then exits. */
    SUPERVISOR_STOPPING("supervisor_stopping", "reason", "pid"),
    /** The daemon stopped the server and exits; {@code restarts}: those this daemon decided. */
    SUPERVISOR_STOPPED("supervisor_stopped", "restarts"),
    /** A launch happened: a generation. */
    RUNTIME_LAUNCHED("runtime_launched", "pid", "pgid", "command", "workdir", "log"),
    /** The launched command exited 0 and left its tree running: it started the server in the background. */
    RUNTIME_FORKED("runtime_forked", "exited_pid", "pid", "survivors", "holds_port"),
    /** The first healthy probe of a launch. */
    RUNTIME_HEALTHY("runtime_healthy", "pid", "startup_ms"),
    /** A liveness probe failed. */
    PROBE_FAILED("probe_failed", "probe", "detail", "latency_ms", "consecutive", "threshold"),
    /** A probe could not tell. */
    PROBE_UNKNOWN("probe_unknown", "results"),
    /** Health came back below the failure threshold. */
    RUNTIME_RECOVERED("runtime_recovered", "failures_before"),
    /** The server's main process exited. */
    RUNTIME_EXITED("runtime_exited", "exit_code", "signal", "uptime_ms", "cause", "cause_line", "log_tail"),
    /**
     * A restart was decided (a launch refused is not one: {@link #LAUNCH_REFUSED}): its reason, the pid, and what
     * triggered it, by reason (exited, unhealthy, startup_timeout, the memory breaches, operator, maintenance).
     */
    RESTART_DECIDED("restart_decided", "reason", "pid",
            "exit_code", "signal", "uptime_ms", "cause", "cause_line", "log_tail",
            "failures", "threshold", "results",
            "startup_timeout_ms", "last_probe",
            "metric", "value", "limit", "projected", "growth_bytes_per_hour", "time_to_limit_s", "per_pid",
            "devices", "device", "uuid", "total", "tree_gpu_memory", "tree_growth", "attributable", "others",
            "unowned", "tree_rss",
            "requested_reason", "by", "state",
            "pending", "counter", "seconds_since_progress", "stalled_for_s", "stall_after_s",
            "detail", "latency_ms", "status"),
    /** The old tree is gone (or not), the port free (or not). */
    RUNTIME_STOPPED("runtime_stopped", "reason", "pid", "signal", "grace_ms", "elapsed_ms", "termed",
            "survivors_killed", "still_alive", "port", "port_wait_ms", "port_holder_pid", "port_holder_command"),
    /** The old tree or a foreign process still holds what the next launch needs. */
    RELEASE_FAILED("release_failed", "detail"),
    /** Before a relaunch: no pid of the old tree is listed by NVML and its unowned memory came back. */
    GPU_RELEASED("gpu_released", "waited_ms", "old_pids", "unowned_baseline", "unowned_over_baseline", "processes"),
    /** Before a relaunch: pids of the old tree still hold GPU memory after release_timeout. */
    GPU_RELEASE_FAILED("gpu_release_failed", "waited_ms", "old_pids", "unowned_baseline", "old_pids_holding",
            "unowned_over_baseline", "processes", "interrupted"),
    /** Before a relaunch: NVML could not be read, so the release could not be checked. */
    GPU_RELEASE_UNKNOWN("gpu_release_unknown", "waited_ms", "old_pids", "unowned_baseline", "unknown"),
    /** A launch waits: the device cannot fit the server because other processes hold the memory. */
    GPU_BUSY("gpu_busy", "devices"),
    /** A launch did not happen (port held, GPU busy or not released, launch error): retried, not a generation. */
    LAUNCH_REFUSED("launch_refused", "cause", "detail", "attempt", "retry_in_ms"),
    /** The launcher could not start the command. */
    LAUNCH_FAILED("launch_failed", "command", "error"),
    /** NVML could not be read. */
    GPU_UNKNOWN("gpu_unknown", "reason"),
    /** NVML can be read again. */
    GPU_READABLE("gpu_readable", "was"),
    /** The progress probe cannot read the server's metrics (one record when it starts; {@link #PROGRESS_KNOWN} ends it). */
    PROGRESS_UNKNOWN("progress_unknown", "detail"),
    /** The progress probe reads the server's metrics again. */
    PROGRESS_KNOWN("progress_known", "was"),
    /** The progress counter went backwards (the server restarted its engine behind our back): counted again, no restart. */
    PROGRESS_RESET("progress_reset", "detail", "counter"),
    /** The inference probe failed (an error, a wrong answer, no answer in time). */
    INFERENCE_FAILED("inference_failed", "detail", "latency_ms", "status", "consecutive", "threshold"),
    /** The inference probe answered slower than slow_after; {@code restart}: whether that counts as a failure. */
    INFERENCE_SLOW("inference_slow", "detail", "latency_ms", "restart"),
    /** The inference probe answered again after failing. */
    INFERENCE_RECOVERED("inference_recovered", "failures_before"),
    /** A device is over max_device_memory because of other processes: no restart, since it would not help. */
    DEVICE_OVER_LIMIT("device_over_limit", "devices", "why", "restart"),
    /** The devices over their limit because of others are back within it. */
    DEVICE_WITHIN_LIMIT("device_within_limit", "devices"),
    /** The port is held by someone else before a launch. */
    PORT_IN_USE("port_in_use", "port", "holder_pid", "holder_command"),
    /** The configured caches were cleared before a relaunch. */
    CACHES_CLEARED("caches_cleared", "globs", "files", "directories", "bytes", "skipped", "errors"),
    /** A relaunch waits out its backoff delay. */
    BACKOFF("backoff", "delay_ms", "attempt", "restarts_in_window"),
    /** Too many restarts in the window. */
    CRASH_LOOP("crash_loop", "restarts_in_window", "max_restarts", "window_ms", "retry_in_ms",
            "cause", "cause_line", "log_tail"),
    /** hopeless_after identical failures before a first healthy answer, of a cause no retry can fix: FAILED at once. */
    HOPELESS_CAUSE("hopeless_cause", "cause", "cause_line", "log_tail", "identical_failures", "hopeless_after",
            "retry_in_ms"),
    /** {@code glyphctl stop}. */
    PAUSED("paused", "by", "state", "pid"),
    /** {@code glyphctl start}. */
    RESUMED("resumed", "by", "paused_by"),
    /** A restart asked while a stop is in flight: the launch after it serves this request too. */
    RESTART_COALESCED("restart_coalesced", "requested_reason", "by", "state"),
    /**
     * The server waits for what it requires: at start, when a required server went down (its tree stopped, or its
     * pending relaunch cancelled), or when the list of those down changed while it waits. {@code requires}: the names
     * down; {@code state}: the state it left; {@code pid}: the tree stopped for it (-1 when none).
     */
    WAITING("waiting", "requires", "why", "state", "pid"),
    /** What the server waited for is healthy: it is launched now; {@code requires}: what it waited for. */
    REQUIREMENTS_MET("requirements_met", "requires", "waited_ms"),
    /** A restart asked while the server waits for what it requires: nothing launches before they are healthy. */
    RESTART_WAITING("restart_waiting", "requested_reason", "by", "requires"),
    /** A new daemon supervises the previous daemon's healthy server. */
    RUNTIME_ADOPTED("runtime_adopted", "pid"),
    /** A new daemon stopped a server tree of its state_dir that it will not adopt. */
    ORPHAN_STOPPED("orphan_stopped", "pid", "why", "signal", "termed", "survivors_killed", "still_alive"),
    /** What a new daemon found of the previous daemon's last generation. */
    PREVIOUS_GENERATION("previous_generation", "found", "pid", "launched_at"),
    /** The maintenance schedule fired but the server restarted recently or is not running. */
    MAINTENANCE_SKIPPED("maintenance_skipped", "why", "launched_at", "skip_within_ms");

    private final String wireName;
    private final List<String> keys;

    AuditEvent(String wireName, String... keys) {
        this.wireName = wireName;
        this.keys = List.of(keys);
    }

    /** The name written in the record's {@code event} field. */
    public String wireName() {
        return wireName;
    }

    /** Every key a record of this event may carry (a record carries some of them, in its own order). */
    public List<String> keys() {
        return keys;
    }

    /** The keys of {@code written} this event does not declare; empty when all are declared. */
    public Set<String> undeclared(Collection<String> written) {
        Set<String> extra = new TreeSet<>(written);
        extra.removeAll(keys);
        return extra;
    }

    @Override
    public String toString() {
        return wireName;
    }
}
