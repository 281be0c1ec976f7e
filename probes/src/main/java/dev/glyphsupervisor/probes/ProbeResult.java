package dev.glyphsupervisor.probes;

import java.time.Duration;

public record ProbeResult(String probe, ProbeStatus status, String detail, Duration latency) {
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
