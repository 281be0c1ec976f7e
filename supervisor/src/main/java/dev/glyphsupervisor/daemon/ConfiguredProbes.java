package dev.glyphsupervisor.daemon;

import dev.glyphsupervisor.config.HttpProbeConfig;
import dev.glyphsupervisor.config.ProbesConfig;
import dev.glyphsupervisor.config.RuntimeConfig;
import dev.glyphsupervisor.probes.HttpHealthProbe;
import dev.glyphsupervisor.probes.Probe;
import dev.glyphsupervisor.probes.TcpPortProbe;

import java.util.ArrayList;
import java.util.List;

/**
 * The probes that ask the server itself, built from the config: the one place, for the daemon's probe cycle
 * ({@link ProbeSet}) and for {@code glyphctl probe} alike, so the two cannot disagree.
 */
public final class ConfiguredProbes {

    private ConfiguredProbes() {
    }

    /** The TCP port probe (when runtime.port is set), then the HTTP health probe (when probes.http is). */
    public static List<Probe> server(RuntimeConfig runtime, ProbesConfig probes) {
        List<Probe> list = new ArrayList<>();
        runtime.port().ifPresent(port -> list.add(new TcpPortProbe("127.0.0.1", port, probes.tcpTimeout())));
        probes.http().ifPresent(http -> list.add(http(http)));
        return List.copyOf(list);
    }

    /** The progress probe's scraper, when {@code probes.progress} is configured (its URL checked at load). */
    public static java.util.Optional<dev.glyphsupervisor.probes.progress.ProgressScraper> progress(RuntimeConfig runtime,
                                                                                                 ProbesConfig probes) {
        return probes.progress().map(p -> new dev.glyphsupervisor.probes.progress.ProgressScraper(
                p.urlFor(runtime.port()).orElseThrow(), p.timeout(), p.metrics()));
    }

    /** The inference probe, when {@code probes.inference} is configured. */
    public static java.util.Optional<dev.glyphsupervisor.probes.inference.InferenceProbe> inference(ProbesConfig probes) {
        return probes.inference().map(i -> new dev.glyphsupervisor.probes.inference.InferenceProbe(i.request()));
    }

    private static Probe http(HttpProbeConfig http) {
        return new HttpHealthProbe(http.url(), http.timeout(), http.expectStatus(), http.expectBody().orElse(null));
    }
}
