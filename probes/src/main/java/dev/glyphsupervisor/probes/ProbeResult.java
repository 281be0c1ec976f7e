package dev.glyphsupervisor.probes;

import java.time.Duration;
import java.util.Objects;

/**
 * One probe run: which probe, what it saw, a human-readable detail for logs and the audit record, and
 * how long it took (measured with {@link System#nanoTime()}, so wall-clock jumps do not distort it).
 */
public record ProbeResult(String probe, ProbeStatus status, String detail, Duration latency) {

    public ProbeResult {
        Objects.requireNonNull(probe, "probe");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(latency, "latency");
        detail = detail == null ? "" : detail;
    }

    public static ProbeResult success(String probe, String detail, Duration latency) {
        return new ProbeResult(probe, ProbeStatus.SUCCESS, detail, latency);
    }

    public static ProbeResult failure(String probe, String detail, Duration latency) {
        return new ProbeResult(probe, ProbeStatus.FAILURE, detail, latency);
    }

    public static ProbeResult unknown(String probe, String detail, Duration latency) {
        return new ProbeResult(probe, ProbeStatus.UNKNOWN, detail, latency);
    }
}
