package dev.glyphsupervisor.core;

/**
 * The audit log's vocabulary: every event name, declared once, each listed in the README's audit table with the
 * values it carries (AuditEventsTest holds the two together). The state machine writes the decisions; the adapters
 * write the facts they observe.
 */
public final class AuditEvents {

    private AuditEvents() {
    }

    /** The daemon holds the lock and every listener is bound. */
    public static final String SUPERVISOR_STARTED = "supervisor_started";
    /** SIGTERM/SIGINT to the daemon: it stops the server, then exits. */
    public static final String SUPERVISOR_STOPPING = "supervisor_stopping";
    /** The daemon stopped the server and exits. */
    public static final String SUPERVISOR_STOPPED = "supervisor_stopped";
    /** A launch happened: a generation. */
    public static final String RUNTIME_LAUNCHED = "runtime_launched";
    /** The launched command exited 0 and left its tree running: it started the server in the background. */
    public static final String RUNTIME_FORKED = "runtime_forked";
    /** The first healthy probe of a launch. */
    public static final String RUNTIME_HEALTHY = "runtime_healthy";
    /** A liveness probe failed. */
    public static final String PROBE_FAILED = "probe_failed";
    /** A probe could not tell. */
    public static final String PROBE_UNKNOWN = "probe_unknown";
    /** Health came back below the failure threshold. */
    public static final String RUNTIME_RECOVERED = "runtime_recovered";
    /** The server's main process exited. */
    public static final String RUNTIME_EXITED = "runtime_exited";
    /** A restart was decided (a launch refused is not one: {@link #LAUNCH_REFUSED}). */
    public static final String RESTART_DECIDED = "restart_decided";
    /** The old tree is gone (or not), the port free (or not). */
    public static final String RUNTIME_STOPPED = "runtime_stopped";
    /** The old tree or a foreign process still holds what the next launch needs. */
    public static final String RELEASE_FAILED = "release_failed";
    /** Before a relaunch: no pid of the old tree is listed by NVML and its unowned memory came back. */
    public static final String GPU_RELEASED = "gpu_released";
    /** Before a relaunch: pids of the old tree still hold GPU memory after release_timeout. */
    public static final String GPU_RELEASE_FAILED = "gpu_release_failed";
    /** Before a relaunch: NVML could not be read, so the release could not be checked. */
    public static final String GPU_RELEASE_UNKNOWN = "gpu_release_unknown";
    /** A launch waits: the device cannot fit the server because other processes hold the memory. */
    public static final String GPU_BUSY = "gpu_busy";
    /** A launch did not happen (port held, GPU busy or not released, launch error): retried, not a generation. */
    public static final String LAUNCH_REFUSED = "launch_refused";
    /** The launcher could not start the command. */
    public static final String LAUNCH_FAILED = "launch_failed";
    /** NVML could not be read / can again. */
    public static final String GPU_UNKNOWN = "gpu_unknown";
    public static final String GPU_READABLE = "gpu_readable";
    /** A device is over max_device_memory because of other processes: no restart, since it would not help. */
    public static final String DEVICE_OVER_LIMIT = "device_over_limit";
    /** The devices over their limit because of others are back within it. */
    public static final String DEVICE_WITHIN_LIMIT = "device_within_limit";
    /** The port is held by someone else before a launch. */
    public static final String PORT_IN_USE = "port_in_use";
    /** The configured caches were cleared before a relaunch. */
    public static final String CACHES_CLEARED = "caches_cleared";
    /** A relaunch waits out its backoff delay. */
    public static final String BACKOFF = "backoff";
    /** Too many restarts in the window. */
    public static final String CRASH_LOOP = "crash_loop";
    /** hopeless_after identical failures before a first healthy answer, of a cause no retry can fix: FAILED at once. */
    public static final String HOPELESS_CAUSE = "hopeless_cause";
    /** {@code glyphctl stop} / {@code start}. */
    public static final String PAUSED = "paused";
    public static final String RESUMED = "resumed";
    /** A restart asked while a stop is in flight: the launch after it serves this request too. */
    public static final String RESTART_COALESCED = "restart_coalesced";
    /** A new daemon supervises the previous daemon's healthy server. */
    public static final String RUNTIME_ADOPTED = "runtime_adopted";
    /** A new daemon stopped a server tree of its state_dir that it will not adopt. */
    public static final String ORPHAN_STOPPED = "orphan_stopped";
    /** What a new daemon found of the previous daemon's last generation. */
    public static final String PREVIOUS_GENERATION = "previous_generation";
    /** The maintenance schedule fired but the server restarted recently or is not running. */
    public static final String MAINTENANCE_SKIPPED = "maintenance_skipped";
}
