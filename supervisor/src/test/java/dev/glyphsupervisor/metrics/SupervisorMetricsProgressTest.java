package dev.glyphsupervisor.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The progress and inference probes' metrics, read back from a real scrape of /metrics. */
class SupervisorMetricsProgressTest {

    private static final Instant T0 = Instant.parse("2026-05-01T12:00:00Z");
    private static final List<String> PROGRESS = List.of("glyph_supervisor_progress_pending",
            "glyph_supervisor_progress_steps_per_second", "glyph_supervisor_progress_stalled_seconds");

    private final SupervisorMetrics registry = new SupervisorMetrics(Clock.fixed(T0, ZoneOffset.UTC));
    private final MetricsSink metrics = registry.forServer("vllm");
    private MetricsServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private Exposition scrape() throws Exception {
        if (server == null) {
            server = registry.serve("127.0.0.1", 0);
        }
        return Exposition.scrape(server.port()).of("vllm");
    }

    @Test
    void progressGaugesAreAbsentUntilTheFirstReading() throws Exception {
        Exposition scraped = scrape();
        for (String name : PROGRESS) {
            assertEquals(List.of(), scraped.named(name), name);
        }
        assertEquals(List.of(), scraped.named("glyph_supervisor_inference_latency_seconds"));
    }

    @Test
    void aProgressingReadingShowsPendingRateAndNoStall() throws Exception {
        metrics.progress(OptionalDouble.of(2), OptionalDouble.of(41.3), Optional.empty());
        Exposition scraped = scrape();
        assertEquals(2, scraped.value("glyph_supervisor_progress_pending"));
        assertEquals(41.3, scraped.value("glyph_supervisor_progress_steps_per_second"), 1e-9);
        assertEquals(0, scraped.value("glyph_supervisor_progress_stalled_seconds"), "not stalled reads 0, not absent");
    }

    @Test
    void aFlatCounterUnderPendingWorkCountsItsSeconds() throws Exception {
        metrics.progress(OptionalDouble.of(3), OptionalDouble.of(0), Optional.of(Duration.ofMillis(95_500)));
        Exposition scraped = scrape();
        assertEquals(3, scraped.value("glyph_supervisor_progress_pending"));
        assertEquals(0, scraped.value("glyph_supervisor_progress_steps_per_second"));
        assertEquals(95.5, scraped.value("glyph_supervisor_progress_stalled_seconds"), 1e-9);
    }

    @Test
    void theFirstReadingHasNoRateYet() throws Exception {
        metrics.progress(OptionalDouble.of(0), OptionalDouble.empty(), Optional.empty());
        Exposition scraped = scrape();
        assertEquals(0, scraped.value("glyph_supervisor_progress_pending"));
        assertEquals(List.of(), scraped.named("glyph_supervisor_progress_steps_per_second"));
        assertEquals(0, scraped.value("glyph_supervisor_progress_stalled_seconds"));
    }

    @Test
    void anUnreadableScrapeAndAStoppedServerLeaveTheGaugesOut() throws Exception {
        metrics.progress(OptionalDouble.of(2), OptionalDouble.of(10), Optional.empty());
        metrics.progress(OptionalDouble.empty(), OptionalDouble.empty(), Optional.of(Duration.ofSeconds(30)));
        Exposition scraped = scrape();
        for (String name : PROGRESS) {
            assertEquals(List.of(), scraped.named(name), "unknown after a failed scrape: " + name);
        }
        metrics.progress(OptionalDouble.of(1), OptionalDouble.of(5), Optional.empty());
        assertEquals(1, scrape().value("glyph_supervisor_progress_pending"));
        metrics.notRunning();
        scraped = scrape();
        for (String name : PROGRESS) {
            assertEquals(List.of(), scraped.named(name), "the stopped tree's figures are gone: " + name);
        }
    }

    @Test
    void inferenceVerdictsStartAtZeroAndCount() throws Exception {
        Exposition before = scrape();
        for (String verdict : SupervisorMetrics.INFERENCE_VERDICTS) {
            assertEquals(0, before.value("glyph_supervisor_inference_results_total", "verdict", verdict), verdict);
        }
        metrics.inference("ok", Optional.of(Duration.ofMillis(183)));
        metrics.inference("ok", Optional.of(Duration.ofMillis(150)));
        metrics.inference("failed", Optional.of(Duration.ofSeconds(10)));
        metrics.inference("skipped", Optional.empty());
        Exposition scraped = scrape();
        assertEquals(2, scraped.value("glyph_supervisor_inference_results_total", "verdict", "ok"));
        assertEquals(1, scraped.value("glyph_supervisor_inference_results_total", "verdict", "failed"));
        assertEquals(1, scraped.value("glyph_supervisor_inference_results_total", "verdict", "skipped"));
        assertEquals(0, scraped.value("glyph_supervisor_inference_results_total", "verdict", "slow"));
        assertEquals(10, scraped.value("glyph_supervisor_inference_latency_seconds"), 1e-9,
                "the last answer's latency; a skip does not change it");
        metrics.inference("slow", Optional.of(Duration.ofMillis(2500)));
        assertEquals(2.5, scrape().value("glyph_supervisor_inference_latency_seconds"), 1e-9);
    }

    @Test
    void eachServerHasItsOwnSeries() throws Exception {
        MetricsSink other = registry.forServer("embeddings");
        metrics.progress(OptionalDouble.of(4), OptionalDouble.of(1), Optional.empty());
        other.inference("failed", Optional.of(Duration.ofSeconds(1)));
        server = registry.serve("127.0.0.1", 0);
        Exposition all = Exposition.scrape(server.port());
        assertEquals(List.of(), all.of("embeddings").named("glyph_supervisor_progress_pending"));
        assertEquals(4, all.of("vllm").value("glyph_supervisor_progress_pending"));
        assertEquals(0, all.of("vllm").value("glyph_supervisor_inference_results_total", "verdict", "failed"));
        assertEquals(1, all.of("embeddings").value("glyph_supervisor_inference_results_total", "verdict", "failed"));
        assertTrue(all.samples().stream().noneMatch(s -> Double.isNaN(s.value())), all.samples()::toString);
    }
}
