package dev.glyphsupervisor.metrics;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * What the supervisor reports to metrics. {@link SupervisorMetrics} keeps them for Prometheus; {@link #NONE}
 * drops them, so that a daemon without {@code metrics.listen} never loads the Prometheus client (about a
 * hundred classes and a scheduler thread it would not use).
 */
public interface MetricsSink {

    MetricsSink NONE = new MetricsSink() {
    };

    /** The supervisor entered {@code state} (a {@code State} name, or PAUSED). */
    default void state(String state) {
    }

    /** A restart was decided at {@code at} for {@code reason} (the audit log's {@code restart_decided} reason). */
    default void restart(String reason, Instant at) {
    }

    /** A launch failed before its first healthy answer, for {@code cause} (the audit log's {@code cause}). */
    default void startFailure(String cause) {
    }

    /** One probe ran: {@code status} is SUCCESS, FAILURE or UNKNOWN. */
    default void probe(String probe, String status, Duration latency) {
    }

    /** One probe cycle ran (all probes, once): {@code phase} is startup or liveness. */
    default void probeCycle(String phase) {
    }

    /**
     * One memory reading. A negative value means the daemon could not read it (no NVML, no OSHI answer) and is
     * left out of the scrape; devices that are not in {@code devices} any more disappear from it.
     */
    default void memory(long treeGpuBytes, List<DeviceMemory> devices, long treeRssBytes) {
    }

    /** The GPU memory trend: NaN for what is not known yet (too few samples, no limit). */
    default void gpuProjection(double growthBytesPerHour, double secondsToLimit) {
    }

    /**
     * One reading of the progress probe: pending work, the progress counter's rate and how long it has been flat while
     * work was pending (empty values: not known, left out of the scrape).
     */
    default void progress(java.util.OptionalDouble pending, java.util.OptionalDouble stepsPerSecond,
                          java.util.Optional<Duration> stalledFor) {
    }

    /**
     * The inference probe ran ({@code verdict}: ok, slow or failed, with its {@code latency}) or was skipped because
     * the server did real work since the last one ({@code verdict} skipped, latency empty).
     */
    default void inference(String verdict, java.util.Optional<Duration> latency) {
    }

    /** A server process was launched at {@code at}: uptime counts from there. */
    default void launched(Instant at) {
    }

    /** No server process is running (stopped, exited, backing off): uptime is 0. */
    default void notRunning() {
    }
}
