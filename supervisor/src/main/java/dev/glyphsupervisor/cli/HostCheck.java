package dev.glyphsupervisor.cli;

import dev.glyphsupervisor.config.HostProbeConfig;
import dev.glyphsupervisor.probes.Probe;
import dev.glyphsupervisor.probes.ProbeResult;
import dev.glyphsupervisor.probes.host.HostMemoryProbe;
import dev.glyphsupervisor.probes.host.HostReading;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** One host-memory reading as a probe result: MemAvailable and the server's RSS, FAILURE past the config's limits. */
final class HostCheck implements Probe {

    private final HostMemoryProbe probe;
    private final HostProbeConfig config;
    private final Set<Long> treePids;

    HostCheck(HostMemoryProbe probe, HostProbeConfig config, Set<Long> treePids) {
        this.probe = probe;
        this.config = config;
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
        List<String> over = new ArrayList<>();
        config.minAvailable().ifPresent(min -> {
            if (reading.availableBytes() < min) {
                over.add("MemAvailable below min_available " + Bytes.human(min));
            }
        });
        config.maxRss().ifPresent(max -> {
            if (!treePids.isEmpty() && reading.treeRssBytes() > max) {
                over.add("server rss over max_rss " + Bytes.human(max));
            }
        });
        return over.isEmpty()
                ? ProbeResult.success(name(), detail, reading.latency())
                : ProbeResult.failure(name(), String.join("; ", over) + "; " + detail, reading.latency());
    }
}
