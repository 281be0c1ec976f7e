package dev.glyphsupervisor.cli;

import dev.glyphsupervisor.core.MemoryLimits;
import dev.glyphsupervisor.core.MemorySample;
import dev.glyphsupervisor.probes.Probe;
import dev.glyphsupervisor.probes.ProbeResult;
import dev.glyphsupervisor.probes.host.HostMemoryProbe;
import dev.glyphsupervisor.probes.host.HostReading;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One host-memory reading as a probe result: MemAvailable and the server's RSS, FAILURE past the config's limits,
 * as core's {@link MemoryLimits} judges them.
 */
final class HostCheck implements Probe {

    private final HostMemoryProbe probe;
    private final MemoryLimits limits;
    private final Set<Long> treePids;

    HostCheck(HostMemoryProbe probe, MemoryLimits limits, Set<Long> treePids) {
        this.probe = probe;
        this.limits = limits;
        this.treePids = treePids;
    }

    @Override
    public String name() {
        return "host";
    }

    @Override
    public ProbeResult check() {
        HostReading reading = probe.read(treePids);
        if (reading.status() == HostReading.Status.UNKNOWN) {
            return ProbeResult.unknown(name(), reading.reason(), reading.latency());
        }
        String detail = "MemAvailable " + Bytes.human(reading.availableBytes()) + " of " + Bytes.human(reading.totalBytes())
                + (treePids.isEmpty() ? "" : "; server pids " + treePids + " rss " + Bytes.human(reading.treeRssBytes()));
        // The tree's RSS only where there is a tree: no figure otherwise.
        MemoryLimits.Exceeded exceeded = limits.exceeded(new MemorySample(0, Instant.EPOCH, -1, Map.of(), List.of(), null,
                treePids.isEmpty() ? -1 : reading.treeRssBytes(), reading.perPidRss(), reading.availableBytes()));
        List<String> over = new ArrayList<>();
        if (exceeded.available()) {
            over.add("MemAvailable below min_available " + Bytes.human(limits.minAvailable().getAsLong()));
        }
        if (exceeded.treeRss()) {
            over.add("server rss over max_rss " + Bytes.human(limits.maxTreeRss().getAsLong()));
        }
        return over.isEmpty()
                ? ProbeResult.success(name(), detail, reading.latency())
                : ProbeResult.failure(name(), String.join("; ", over) + "; " + detail, reading.latency());
    }
}
