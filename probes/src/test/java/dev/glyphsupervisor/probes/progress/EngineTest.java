package dev.glyphsupervisor.probes.progress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class EngineTest {

    @Test
    void wireNames() {
        assertEquals(List.of("vllm", "llama.cpp", "sglang", "tgi", "reference"), Engine.names());
        for (Engine e : Engine.values()) {
            assertEquals(Optional.of(e), Engine.byName(e.wireName()));
            assertEquals(Optional.of(e), Engine.byMetrics(e.metrics()));
        }
        assertEquals(Optional.empty(), Engine.byName("VLLM"));
        assertEquals(Optional.empty(), Engine.byName("ollama"));
    }

    @Test
    void presets() {
        assertEquals(new ProgressMetrics(List.of("vllm:num_requests_running", "vllm:num_requests_waiting"),
                "vllm:iteration_tokens_total_count"), Engine.VLLM.metrics());
        assertEquals(new ProgressMetrics(List.of("llamacpp:requests_processing", "llamacpp:requests_deferred"),
                "llamacpp:n_decode_total"), Engine.LLAMA_CPP.metrics());
        assertEquals(new ProgressMetrics(List.of("sglang:num_running_reqs", "sglang:num_queue_reqs"),
                "sglang:realtime_tokens_total"), Engine.SGLANG.metrics());
        assertEquals(new ProgressMetrics(List.of("tgi_queue_size", "tgi_batch_current_size"),
                "tgi_batch_inference_success"), Engine.TGI.metrics());
        assertEquals(new ProgressMetrics(List.of("reference_requests_running", "reference_requests_waiting"),
                "reference_engine_steps_total"), Engine.REFERENCE.metrics());
    }

    @Test
    void onlyLlamaCppMetricsWaitOnTheEngine() {
        for (Engine e : Engine.values()) {
            assertEquals(e == Engine.LLAMA_CPP, e.metricsWaitOnEngine(), e.wireName());
        }
    }

    @Test
    void metricNamesAreChecked() {
        assertThrows(IllegalArgumentException.class, () -> new ProgressMetrics(List.of(), "x"));
        assertThrows(IllegalArgumentException.class, () -> new ProgressMetrics(List.of("a-b"), "x"));
        assertThrows(IllegalArgumentException.class, () -> new ProgressMetrics(List.of("a"), "9x"));
        assertThrows(IllegalArgumentException.class, () -> new ProgressMetrics(List.of("a", "x"), "x"));
        assertThrows(IllegalArgumentException.class, () -> new ProgressMetrics(List.of("a", "a"), "x"));
        assertTrue(ProgressMetrics.isMetricName("vllm:num_requests_running"));
        assertFalse(ProgressMetrics.isMetricName(""));
        assertEquals(List.of("a", "b", "x"), List.copyOf(new ProgressMetrics(List.of("a", "b"), "x").names()));
    }
}
