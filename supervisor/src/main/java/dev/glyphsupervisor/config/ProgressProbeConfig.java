package dev.glyphsupervisor.config;

import dev.glyphsupervisor.probes.progress.Engine;
import dev.glyphsupervisor.probes.progress.ProgressMetrics;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The progress probe: the server's own Prometheus metrics, scraped every liveness cycle, judged for a hung engine.
 *
 * @param url        where the metrics are; empty: {@code http://127.0.0.1:<runtime.port>/metrics}
 * @param engine     the preset the metric names come from, when one was named
 * @param metrics    the pending and progress metric names (the preset's, or the config's own)
 * @param stallAfter how long pending work may sit on a flat progress counter before the engine counts as hung
 * @param timeout    the whole scrape's limit
 */
public record ProgressProbeConfig(Optional<URI> url, Optional<Engine> engine, ProgressMetrics metrics,
                                  Duration stallAfter, Duration timeout) {

    /**
     * Two minutes: longer than the legitimate long steps of an engine (JIT compiles and CUDA-graph captures of 30–70 s,
     * a long prefill), as the field-proven detector elsewhere; a hang is seen within this plus one probe period.
     */
    public static final Duration DEFAULT_STALL_AFTER = Duration.ofMinutes(2);
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);

    public ProgressProbeConfig {
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(engine, "engine");
        Objects.requireNonNull(metrics, "metrics");
        Objects.requireNonNull(stallAfter, "stallAfter");
        Objects.requireNonNull(timeout, "timeout");
    }

    /** The URL scraped: the configured one, or the server's port's {@code /metrics}; empty when neither is known. */
    public Optional<URI> urlFor(OptionalInt port) {
        if (url.isPresent()) {
            return url;
        }
        return port.isPresent() ? Optional.of(URI.create("http://127.0.0.1:" + port.getAsInt() + "/metrics")) : Optional.empty();
    }

    /** Whether a scrape that times out means the engine loop is stuck (llama.cpp answers /metrics from it). */
    public boolean scrapeTimeoutIsStuck() {
        return engine.map(Engine::metricsWaitOnEngine).orElse(false);
    }
}
