package dev.glyphsupervisor.probes.progress;

import java.util.List;
import java.util.Locale;

/**
 * Writes a /metrics text in the shape vLLM's V1 OpenAI server answers with (prometheus_client 0.0.4
 * output): gauges and counters with {@code model_name}/{@code engine} labels, counters as
 * {@code _total} plus a {@code _created} gauge family, histograms with {@code le} buckets (the +Inf one
 * included), {@code _count}, {@code _sum} and {@code _created}, and the Python process/GC families.
 * Values are Python float reprs ({@code 1.0}, {@code 1.7650012345e+09}).
 */
final class VllmExposition {

    static final String MODEL = "Qwen/Qwen2.5-VL-7B-Instruct";

    private static final List<Double> TOKEN_BUCKETS = List.of(1.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0, 512.0,
            1024.0, 2048.0, 4096.0, 8192.0, 16384.0);
    private static final List<Double> SECONDS_BUCKETS = List.of(0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1,
            0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0, 160.0, 640.0, 2560.0);
    private static final List<Double> REQUEST_TOKEN_BUCKETS = List.of(1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0,
            500.0, 1000.0, 2000.0, 5000.0, 10000.0, 20000.0, 32768.0);

    private final int engines;
    private final StringBuilder out = new StringBuilder(256 * 1024);

    private VllmExposition(int engines) {
        this.engines = engines;
    }

    /** Running requests of engine e. */
    static double running(int e) {
        return e + 1;
    }

    /** Waiting requests of engine e. */
    static double waiting(int e) {
        return 2 * e;
    }

    /** Engine steps of engine e at this step number. */
    static double steps(int e, long step) {
        return 1000.0 * (e + 1) + step;
    }

    /** The text for {@code engines} engines (data parallel ranks) at this step number. */
    static String text(int engines, long step) {
        return new VllmExposition(engines).write(step);
    }

    static double expectedPending(int engines) {
        double sum = 0;
        for (int e = 0; e < engines; e++) {
            sum += running(e) + waiting(e);
        }
        return sum;
    }

    static double expectedProgress(int engines, long step) {
        double sum = 0;
        for (int e = 0; e < engines; e++) {
            sum += steps(e, step);
        }
        return sum;
    }

    private String write(long step) {
        pythonFamilies();
        gauge("vllm:num_requests_running", "Number of requests in model execution batches.", VllmExposition::running);
        gauge("vllm:num_requests_waiting", "Number of requests waiting to be processed.", VllmExposition::waiting);
        gauge("vllm:kv_cache_usage_perc", "KV-cache usage. 1 means 100 percent usage.", e -> 0.1234 + e / 100.0);
        counter("vllm:num_preemptions", "Cumulative number of preemption from the engine.", e -> 0);
        counter("vllm:prompt_tokens", "Number of prefill tokens processed.", e -> 123456.0 + step * 17);
        counter("vllm:generation_tokens", "Number of generation tokens processed.", e -> 65432.0 + step);
        counter("vllm:prefix_cache_queries", "Prefix cache queries, in terms of number of queried tokens.", e -> 4.5e6);
        counter("vllm:prefix_cache_hits", "Prefix cache hits, in terms of number of cached tokens.", e -> 3.25e6);
        for (String reason : List.of("stop", "length", "abort")) {
            counterLabelled("vllm:request_success", "Count of successfully processed requests.",
                    "finished_reason=\"" + reason + "\"", e -> 42.0);
        }
        histogram("vllm:iteration_tokens_total", "Histogram of number of tokens per engine_step.", TOKEN_BUCKETS,
                e -> steps(e, step));
        histogram("vllm:request_prompt_tokens", "Number of prefill tokens processed.", REQUEST_TOKEN_BUCKETS, e -> 42.0);
        histogram("vllm:request_generation_tokens", "Number of generation tokens processed.", REQUEST_TOKEN_BUCKETS, e -> 42.0);
        histogram("vllm:request_params_max_tokens", "Histogram of the max_tokens request parameter.", REQUEST_TOKEN_BUCKETS, e -> 42.0);
        for (String name : List.of("time_to_first_token_seconds", "inter_token_latency_seconds", "e2e_request_latency_seconds",
                "request_queue_time_seconds", "request_inference_time_seconds", "request_prefill_time_seconds",
                "request_decode_time_seconds")) {
            histogram("vllm:" + name, "Histogram of " + name.replace('_', ' ') + ".", SECONDS_BUCKETS, e -> 42.0);
        }
        out.append("# HELP vllm:cache_config_info Information of the LLMEngine CacheConfig\n")
                .append("# TYPE vllm:cache_config_info gauge\n");
        for (int e = 0; e < engines; e++) {
            out.append("vllm:cache_config_info{block_size=\"16\",cache_dtype=\"auto\",engine=\"").append(e)
                    .append("\",gpu_memory_utilization=\"0.9\",num_gpu_blocks=\"27000\",prefix_caching_hash_algo=\"builtin\"} 1.0\n");
        }
        return out.toString();
    }

    private void pythonFamilies() {
        out.append("# HELP python_gc_objects_collected_total Objects collected during gc\n")
                .append("# TYPE python_gc_objects_collected_total counter\n");
        for (int g = 0; g < 3; g++) {
            out.append("python_gc_objects_collected_total{generation=\"").append(g).append("\"} ").append(12345.0 * (g + 1)).append('\n');
        }
        out.append("# HELP python_info Python platform information\n# TYPE python_info gauge\n")
                .append("python_info{implementation=\"CPython\",major=\"3\",minor=\"12\",patchlevel=\"3\",version=\"3.12.3\"} 1.0\n")
                .append("# HELP process_virtual_memory_bytes Virtual memory size in bytes.\n# TYPE process_virtual_memory_bytes gauge\n")
                .append("process_virtual_memory_bytes 1.3594734592e+010\n")
                .append("# HELP process_start_time_seconds Start time of the process since unix epoch in seconds.\n")
                .append("# TYPE process_start_time_seconds gauge\nprocess_start_time_seconds 1.76498765432e+09\n")
                .append("# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.\n")
                .append("# TYPE process_cpu_seconds_total counter\nprocess_cpu_seconds_total 1234.56\n");
    }

    private interface PerEngine {
        double value(int engine);
    }

    private String labels(int e) {
        return "engine=\"" + e + "\",model_name=\"" + MODEL + "\"";
    }

    private void gauge(String name, String help, PerEngine value) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n')
                .append("# TYPE ").append(name).append(" gauge\n");
        for (int e = 0; e < engines; e++) {
            out.append(name).append('{').append(labels(e)).append("} ").append(py(value.value(e))).append('\n');
        }
    }

    private void counter(String base, String help, PerEngine value) {
        counterLabelled(base, help, null, value);
    }

    private void counterLabelled(String base, String help, String extra, PerEngine value) {
        out.append("# HELP ").append(base).append("_total ").append(help).append('\n')
                .append("# TYPE ").append(base).append("_total counter\n");
        for (int e = 0; e < engines; e++) {
            out.append(base).append("_total{").append(labels(e)).append(extra == null ? "" : "," + extra).append("} ")
                    .append(py(value.value(e))).append('\n');
        }
        out.append("# HELP ").append(base).append("_created ").append(help).append('\n')
                .append("# TYPE ").append(base).append("_created gauge\n");
        for (int e = 0; e < engines; e++) {
            out.append(base).append("_created{").append(labels(e)).append(extra == null ? "" : "," + extra).append("} ")
                    .append(py(1.7649876543219e9 + e)).append('\n');
        }
    }

    private void histogram(String name, String help, List<Double> buckets, PerEngine count) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n')
                .append("# TYPE ").append(name).append(" histogram\n");
        for (int e = 0; e < engines; e++) {
            double n = count.value(e);
            for (int i = 0; i < buckets.size(); i++) {
                double le = buckets.get(i);
                double cumulative = Math.floor(n * (i + 1) / (buckets.size() + 1));
                out.append(name).append("_bucket{engine=\"").append(e).append("\",le=\"").append(py(le))
                        .append("\",model_name=\"").append(MODEL).append("\"} ").append(py(cumulative)).append('\n');
            }
            out.append(name).append("_bucket{engine=\"").append(e).append("\",le=\"+Inf\",model_name=\"").append(MODEL)
                    .append("\"} ").append(py(n)).append('\n');
            out.append(name).append("_count{").append(labels(e)).append("} ").append(py(n)).append('\n');
            out.append(name).append("_sum{").append(labels(e)).append("} ").append(py(n * 37.25)).append('\n');
        }
        out.append("# HELP ").append(name).append("_created ").append(help).append('\n')
                .append("# TYPE ").append(name).append("_created gauge\n");
        for (int e = 0; e < engines; e++) {
            out.append(name).append("_created{").append(labels(e)).append("} ").append(py(1.7649876543219e9)).append('\n');
        }
    }

    /** Python's repr of a float, close enough: always a point or an exponent. */
    static String py(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e16) {
            return String.format(Locale.ROOT, "%.1f", v);
        }
        String s = Double.toString(v); // 1.7649876543219E9
        int exp = s.indexOf('E');
        if (exp < 0) {
            return s;
        }
        int e = Integer.parseInt(s.substring(exp + 1));
        return s.substring(0, exp) + "e" + (e < 0 ? "-" : "+") + String.format(Locale.ROOT, "%02d", Math.abs(e));
    }
}
