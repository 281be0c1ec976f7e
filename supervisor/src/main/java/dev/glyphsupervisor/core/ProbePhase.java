package dev.glyphsupervisor.core;

/** Which probing the current state wants. */
public enum ProbePhase {
    /** No server to probe (stopping, backing off, failed). */
    NONE,
    /** Launched, not yet healthy: poll readiness at the startup interval; failures are held back. */
    STARTUP,
    /** Healthy or degraded: run the scheduled probes; failures count toward the threshold. */
    LIVENESS
}
