package dev.glyphsupervisor.reference;

import dev.glyphsupervisor.reference.JsonRouter.Raw;
import dev.glyphsupervisor.reference.JsonRouter.Reply;
import io.prometheus.metrics.config.EscapingScheme;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import io.prometheus.metrics.expositionformats.ExpositionFormats;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.function.IntSupplier;

/**
 * The engine's metrics in the Prometheus Java client, served at {@code GET /metrics} in the format the
 * {@code Accept} header asks for (Prometheus text by default, OpenMetrics on request; protobuf is not
 * bundled, so a protobuf request gets text, as the client's own handler does without it). A registry of
 * its own, not the default one, so several servers in one JVM (the tests) keep apart; no JVM metrics.
 *
 * <p>Two kinds of progress, on purpose: {@code reference_engine_steps_total} moves on every step (one input
 * embedded), so a long healthy request shows progress while it runs; the request-end totals move only when
 * a request completes successfully, and so stay flat through one long request. A supervisor must judge a
 * hang by the first.
 */
final class EngineMetrics {

    static final String RUNNING = "reference_requests_running";
    static final String WAITING = "reference_requests_waiting";
    static final String STEPS = "reference_engine_steps_total";
    static final String REQUESTS = "reference_requests_total";
    static final String EMBEDDINGS = "reference_embeddings_total";
    static final String TOKENS = "reference_tokens_total";

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final ExpositionFormats formats = ExpositionFormats.init();
    private final Counter steps;
    private final Counter requests;
    private final Counter embeddings;
    private final Counter tokens;

    EngineMetrics(int engineThreads, IntSupplier running, IntSupplier waiting) {
        GaugeWithCallback.builder().name(RUNNING)
                .help("Requests the engine is working on (0 to " + engineThreads + ": one per engine thread)")
                .callback(callback -> callback.call(running.getAsInt())).register(registry);
        GaugeWithCallback.builder().name(WAITING)
                .help("Requests queued for the engine, not yet started")
                .callback(callback -> callback.call(waiting.getAsInt())).register(registry);
        steps = Counter.builder().name(STEPS)
                .help("Engine steps: +1 as each input of a request is embedded (a forward pass or a cache hit), "
                        + "on any engine thread")
                .register(registry);
        requests = Counter.builder().name(REQUESTS)
                .help("Embedding requests completed successfully (counted at the request's end)").register(registry);
        embeddings = Counter.builder().name(EMBEDDINGS)
                .help("Embeddings returned by completed requests (counted at the request's end)").register(registry);
        tokens = Counter.builder().name(TOKENS)
                .help("Tokens read by completed requests (counted at the request's end)").register(registry);
    }

    void step() {
        steps.inc();
    }

    void completed(int inputs, int tokenCount) {
        requests.inc();
        embeddings.inc(inputs);
        tokens.inc(tokenCount);
    }

    /** The scrape, in the format {@code accept} asks for (null or absent: the Prometheus text format 0.0.4). */
    Reply scrape(String accept) {
        ExpositionFormatWriter writer = formats.findWriter(accept);
        if (!writer.isAvailable()) {
            writer = formats.getPrometheusTextFormatWriter();
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(2048);
        try {
            writer.write(out, registry.scrape(), EscapingScheme.fromAcceptHeader(accept));
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
        }
        return new Reply(200, new Raw(writer.getContentType(), out.toByteArray()), "");
    }
}
