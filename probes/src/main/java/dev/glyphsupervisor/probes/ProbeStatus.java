package dev.glyphsupervisor.probes;

/**
 * The outcome of one probe run. Only {@link #FAILURE} counts toward a failure threshold: it means the
 * probe saw the server misbehave. {@link #UNKNOWN} means the probe itself could not tell (it was
 * interrupted, a library is missing, it hit a bug), which must never by itself restart a server.
 */
public enum ProbeStatus {
    SUCCESS,
    FAILURE,
    UNKNOWN
}
