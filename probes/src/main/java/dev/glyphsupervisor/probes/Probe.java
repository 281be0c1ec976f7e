package dev.glyphsupervisor.probes;

/**
 * A check of the supervised server. Implementations never throw and always return within their own
 * timeout (plus a small margin), so a scheduler thread calling them can never be stuck by a hung
 * server; anything that goes wrong inside the probe itself is reported as {@link ProbeStatus#UNKNOWN}.
 */
public interface Probe {

    /** Short, stable name used in results and audit records, e.g. {@code "tcp"} or {@code "http"}. */
    String name();

    ProbeResult check();
}
