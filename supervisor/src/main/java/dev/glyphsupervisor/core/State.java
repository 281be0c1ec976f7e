package dev.glyphsupervisor.core;

/** Where the supervised server is in its life, as the supervisor sees it. */
public enum State {
    /** Nothing launched yet, or the daemon has finished stopping. */
    STOPPED,
    /** Launched; waiting for the first healthy probe (liveness probes are held back). */
    STARTING,
    /** Healthy at the last probe. */
    RUNNING,
    /** Failing probes, still below the failure threshold. */
    DEGRADED,
    /** The process tree is being stopped (TERM, grace, KILL, release checks). */
    STOPPING,
    /** Waiting out the backoff delay before the next launch. */
    BACKOFF,
    /** Crash loop: too many restarts in the window; only a slow retry remains. */
    FAILED,
    /** An operator stopped the server on purpose ({@code glyphctl stop}); nothing heals it until {@code start}. */
    PAUSED,
    /**
     * Waiting for what it requires ({@code requires:}) to be healthy: no process, no relaunch scheduled; launched when
     * they are ({@link Event.RequirementsUp}).
     */
    WAITING;

    /** True while a server process of the current generation may be alive. */
    public boolean hasProcess() {
        return this == STARTING || this == RUNNING || this == DEGRADED;
    }
}
