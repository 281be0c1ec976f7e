package dev.glyphsupervisor.chaos;

/**
 * The faults the soak injects. Each names what it does to the supervised server (or to the daemon) and
 * which audit record counts as the daemon's detection; {@link Fault#of} gives the code that does it.
 */
enum FaultKind {
    /** SIGKILL of the server's main process; detected by its exit record. */
    SERVER_SIGKILL,
    /** SIGKILL of the parent only: its workers live on, holding the port; detected by the parent's exit. */
    PARENT_SIGKILL,
    /** SIGSTOP of the whole group: hung, the port still accepts; detected by restart_decided(unhealthy). */
    GROUP_SIGSTOP,
    /** The health endpoint answers 500; detected by restart_decided(unhealthy). */
    HEALTH_500,
    /** The health endpoint answers after longer than the probe's timeout; detected by restart_decided(unhealthy). */
    HEALTH_SLOW,
    /** Embedding traffic into the reference runtime's unbounded history until its RSS passes max_rss. */
    HOST_MEMORY,
    /** glyphctl stop, a foreign process binds the port, glyphctl start; detected by port_in_use. */
    PORT_GRAB,
    /** The cache directory made unwritable, then the server killed so that its relaunch meets it. */
    CACHE_UNWRITABLE,
    /** SIGKILL of the daemon, then a new daemon on the same state directory (as systemd would). */
    DAEMON_SIGKILL,
    /** glyphctl restart / stop / start issued while another fault is in progress. */
    OPERATOR_CONCURRENT,
    /**
     * The reference runtime's engine hangs (POST /admin/fault/hang) while clients send requests: the port open,
     * /health 200; detected by restart_decided(stalled) from the progress probe.
     */
    ENGINE_HANG,
    /** Inference answers 500 (POST /admin/fault/error); detected by restart_decided(inference_failed). */
    INFERENCE_ERRORS,
    /**
     * Every engine step slower (POST /admin/fault/slow) for a while, past the inference probe's slow_after but under
     * its timeout, then cleared: detected by inference_slow records; never a restart (restart_on_slow is off).
     */
    SLOW_ANSWERS
}
