package dev.glyphsupervisor.probes.progress;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The progress metrics of the inference engines we know, each checked against the engine's source.
 * The progress series must move on every engine step (a forward pass), so that a long healthy
 * generation or prefill keeps it moving; request-end totals ({@code vllm:generation_tokens_total} is
 * counted per step too, but {@code llamacpp:tokens_predicted_total} only when a request ends) would
 * sit still and restart a working server.
 */
public enum Engine {

    /**
     * vLLM (V1 engine). vllm-project/vllm {@code vllm/v1/metrics/loggers.py}: {@code PrometheusStatLogger}
     * registers the gauges {@code vllm:num_requests_running} / {@code vllm:num_requests_waiting} (labels
     * {@code model_name}, {@code engine}) and the histogram {@code vllm:iteration_tokens_total}
     * ("Histogram of number of tokens per engine_step"; the {@code _total} is part of the histogram's
     * name), observed once per {@code IterationStats} in {@code record()}; its {@code _count} counts steps.
     * Caveat from the source: {@code vllm/v1/engine/async_llm.py} builds {@code IterationStats} only for
     * an output batch with at least one request output ({@code IterationStats() if (log_stats and
     * num_outputs)}), and {@code vllm/v1/core/sched/scheduler.py} {@code update_from_output} emits no
     * request output for a step that only advances a chunked prefill; so the count stands still through
     * a long chunked prefill when nothing else decodes. {@code stall_after} must outlast the longest
     * prefill. Metrics are on by default on the OpenAI server's /metrics.
     */
    VLLM("vllm", new ProgressMetrics(List.of("vllm:num_requests_running", "vllm:num_requests_waiting"),
            "vllm:iteration_tokens_total_count"), false,
            "is this vLLM, with its /metrics on (the OpenAI server serves it by default)?"),

    /**
     * llama.cpp's llama-server started with {@code --metrics}. ggml-org/llama.cpp
     * {@code tools/server/server-context.cpp} (earlier {@code examples/server/server.cpp}), the /metrics
     * handler: counters and gauges are printed as {@code llamacpp:<name>}; {@code n_decode_total}
     * ("Total number of llama_decode() calls") is incremented by {@code server_metrics::on_decoded}
     * after every batch decode of the slots ({@code tokens_predicted_total} only when a request ends),
     * {@code requests_processing} / {@code requests_deferred} are gauges. The handler posts a
     * {@code SERVER_TASK_TYPE_METRICS} task to {@code queue_tasks} and blocks on {@code queue_results.recv}
     * until the engine loop answers it, so a loop stuck in a decode also stalls /metrics.
     */
    LLAMA_CPP("llama.cpp", new ProgressMetrics(List.of("llamacpp:requests_processing", "llamacpp:requests_deferred"),
            "llamacpp:n_decode_total"), true,
            "is this llama-server started with --metrics?"),

    /**
     * SGLang started with {@code --enable-metrics}. sgl-project/sglang
     * {@code python/sglang/srt/metrics/collector.py} (newer: {@code python/sglang/srt/observability/metrics_collector.py}):
     * {@code SchedulerMetricsCollector} has the gauges {@code sglang:num_running_reqs} /
     * {@code sglang:num_queue_reqs} and, in builds since 2025, the counter {@code sglang:realtime_tokens_total}
     * (label {@code mode}: prefill_compute, prefill_cache, decode; prometheus_client keeps the
     * {@code _total} name). It is added to per prefill batch, and per decode iteration in the current
     * {@code python/sglang/srt/managers/scheduler_components/metrics_reporter.py}; older builds
     * ({@code scheduler_metrics_mixin.py}) add the decode tokens only every {@code --decode-log-interval}
     * steps (default 40), still far under any sensible {@code stall_after}. Builds without it have no
     * per-step counter: name explicit metrics there.
     */
    SGLANG("sglang", new ProgressMetrics(List.of("sglang:num_running_reqs", "sglang:num_queue_reqs"),
            "sglang:realtime_tokens_total"), false,
            "is this SGLang started with --enable-metrics, and a build recent enough for sglang:realtime_tokens_total?"),

    /**
     * Hugging Face text-generation-inference. huggingface/text-generation-inference
     * {@code backends/v3/src/backend.rs} (earlier {@code router/src/infer/v3/scheduler.rs}): the batching
     * loop increments the counter {@code tgi_batch_inference_success} (label {@code method}: prefill,
     * decode) after every successful prefill and every decode call, i.e. once per step; the gauges
     * {@code tgi_queue_size} and {@code tgi_batch_current_size} are described in {@code router/src/server.rs}.
     * The {@code metrics-exporter-prometheus} crate writes a counter under the name it was given, with no
     * {@code _total} added (TGI's docs and dashboards use the bare names).
     */
    TGI("tgi", new ProgressMetrics(List.of("tgi_queue_size", "tgi_batch_current_size"),
            "tgi_batch_inference_success"), false,
            "is this text-generation-inference (its router serves /metrics)?"),

    /**
     * glyph-supervisor's own reference runtime (model-runtime/reference): requests running/waiting
     * gauges and an engine-step counter, via the Prometheus Java client.
     */
    REFERENCE("reference", new ProgressMetrics(List.of("reference_requests_running", "reference_requests_waiting"),
            "reference_engine_steps_total"), false,
            "is this the bundled reference runtime, a build with /metrics?");

    private final String wireName;
    private final ProgressMetrics metrics;
    private final boolean metricsWaitOnEngine;
    private final String hint;

    Engine(String wireName, ProgressMetrics metrics, boolean metricsWaitOnEngine, String hint) {
        this.wireName = wireName;
        this.metrics = metrics;
        this.metricsWaitOnEngine = metricsWaitOnEngine;
        this.hint = hint;
    }

    /** The name in the config: {@code vllm}, {@code llama.cpp}, {@code sglang}, {@code tgi}, {@code reference}. */
    public String wireName() {
        return wireName;
    }

    public ProgressMetrics metrics() {
        return metrics;
    }

    /**
     * True when the engine's /metrics is answered by its engine loop (llama.cpp only), so a /metrics
     * timeout while /health answers is itself evidence of a hang.
     */
    public boolean metricsWaitOnEngine() {
        return metricsWaitOnEngine;
    }

    /** A question for the operator when a preset's metric is missing. */
    public String hint() {
        return hint;
    }

    public static Optional<Engine> byName(String name) {
        return Arrays.stream(values()).filter(e -> e.wireName.equals(name)).findFirst();
    }

    /** The preset whose metrics these are, if any. */
    public static Optional<Engine> byMetrics(ProgressMetrics metrics) {
        return Arrays.stream(values()).filter(e -> e.metrics.equals(metrics)).findFirst();
    }

    public static List<String> names() {
        return Arrays.stream(values()).map(Engine::wireName).toList();
    }

    @Override
    public String toString() {
        return wireName;
    }
}
