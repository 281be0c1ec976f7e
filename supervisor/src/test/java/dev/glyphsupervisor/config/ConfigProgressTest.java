package dev.glyphsupervisor.config;

import dev.glyphsupervisor.probes.progress.Engine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** probes.progress and probes.inference: what they load to, and every bad input with its place and message. */
class ConfigProgressTest {

    @TempDir
    Path dir;

    private SupervisorConfig load(String yaml) throws ConfigException {
        return ConfigLoader.load(ConfigFiles.write(dir, "glyph.yaml", yaml));
    }

    private void assertProblems(String yaml, String... expected) {
        Path file = ConfigFiles.write(dir, "glyph.yaml", yaml);
        List<String> want = Arrays.stream(expected).map(problem -> file + ":" + problem).toList();
        assertEquals(want, ConfigFiles.problemsOf(file));
    }

    private static final String SERVER = "runtime: {command: [x], port: 5002}\nstate_dir: /s\n";

    @Test
    void anEnginePresetWithTheDefaults() throws Exception {
        ProgressProbeConfig p = load(SERVER + "probes:\n  progress: {engine: vllm}\n").servers().get(0).probes()
                .progress().orElseThrow();
        assertEquals(Optional.of(Engine.VLLM), p.engine());
        assertEquals(Engine.VLLM.metrics(), p.metrics());
        assertEquals(Duration.ofMinutes(2), p.stallAfter());
        assertEquals(Duration.ofSeconds(5), p.timeout());
        assertEquals(Optional.empty(), p.url());
        assertEquals(Optional.of(URI.create("http://127.0.0.1:5002/metrics")), p.urlFor(java.util.OptionalInt.of(5002)));
        assertFalse(p.scrapeTimeoutIsStuck());
        assertTrue(load(SERVER + "probes:\n  progress: {engine: llama.cpp}\n").servers().get(0).probes().progress()
                .orElseThrow().scrapeTimeoutIsStuck(), "llama.cpp answers /metrics from its engine loop");
    }

    @Test
    void explicitMetricNamesAUrlAndLimits() throws Exception {
        ProgressProbeConfig p = load(SERVER + """
                probes:
                  progress:
                    url: http://127.0.0.1:9000/stats
                    pending: [my_running, my_waiting]
                    progress: my_steps_total
                    stall_after: 45s
                    timeout: 1s
                """).servers().get(0).probes().progress().orElseThrow();
        assertEquals(List.of("my_running", "my_waiting"), p.metrics().pending());
        assertEquals("my_steps_total", p.metrics().progress());
        assertEquals(Optional.empty(), p.engine());
        assertEquals(Optional.of(URI.create("http://127.0.0.1:9000/stats")), p.url());
        assertEquals(Duration.ofSeconds(45), p.stallAfter());
        assertEquals(Duration.ofSeconds(1), p.timeout());
    }

    @Test
    void anInferenceRequestWithItsChecksAndSchedule() throws Exception {
        InferenceProbeConfig i = load(SERVER + """
                probes:
                  inference:
                    url: http://127.0.0.1:5002/v1/chat/completions
                    headers: {Content-Type: application/json, Authorization: Bearer x}
                    body: '{"model": "glyph", "max_tokens": 1, "messages": [{"role": "user", "content": "hi"}]}'
                    expect_json: {pointer: /choices/0/message, matches: "role"}
                    timeout: 30s
                    slow_after: 5s
                    restart_on_slow: true
                    schedule: 2m
                    failure_threshold: 2
                """).servers().get(0).probes().inference().orElseThrow();
        assertEquals("POST", i.request().method(), "a body means POST unless method says otherwise");
        assertEquals("Bearer x", i.request().headers().get("Authorization"));
        assertTrue(new String(i.request().body().orElseThrow(), StandardCharsets.UTF_8).contains("\"max_tokens\": 1"));
        assertEquals("/choices/0/message", i.request().expect().orElseThrow().pointer());
        assertEquals("role", i.request().expect().orElseThrow().matches().orElseThrow().pattern());
        assertEquals(Duration.ofSeconds(30), i.request().timeout());
        assertEquals(Optional.of(Duration.ofSeconds(5)), i.request().slowAfter());
        assertTrue(i.restartOnSlow());
        assertEquals(new IntervalProbeSchedule(Duration.ofMinutes(2)), i.schedule());
        assertEquals(2, i.failureThreshold());

        InferenceProbeConfig plain = load(SERVER + "probes:\n  inference: {url: \"http://127.0.0.1:5002/health\"}\n")
                .servers().get(0).probes().inference().orElseThrow();
        assertEquals("GET", plain.request().method());
        assertEquals(new IntervalProbeSchedule(Duration.ofSeconds(60)), plain.schedule());
        assertEquals(3, plain.failureThreshold());
        assertFalse(plain.restartOnSlow());
    }

    @Test
    void aBodyFromAFileNamedInChinese() throws Exception {
        Path body = dir.resolve("请求体.json");
        Files.writeString(body, "{\"input\": [\"检查\"]}");
        InferenceProbeConfig i = load(SERVER + "probes:\n  inference: {url: \"http://127.0.0.1:5002/v1/embeddings\", body_file: "
                + body + "}\n").servers().get(0).probes().inference().orElseThrow();
        assertArrayEquals(Files.readAllBytes(body), i.request().body().orElseThrow());
        assertEquals("POST", i.request().method());
    }

    @Test
    void progressProblems() {
        assertProblems(SERVER + "probes:\n  progress: {engine: vllm2}\n",
                "4:22: probes.progress.engine: 'vllm2' is not an engine preset; use one of vllm, llama.cpp, sglang, tgi,"
                        + " reference, or name the metrics with pending and progress");
        assertProblems(SERVER + "probes:\n  progress: {engine: vllm, progress: x_total}\n",
                "4:38: probes.progress.progress: give either engine (a preset of the metric names) or pending and progress,"
                        + " not both");
        assertProblems(SERVER + "probes:\n  progress: {stall_after: 30s}\n",
                "4:13: probes.progress.engine: required key is missing (e.g. engine: vllm   (or vllm, llama.cpp, sglang, tgi,"
                        + " reference; or pending: [METRIC, ...] and progress: METRIC))");
        assertProblems(SERVER + "probes:\n  progress: {pending: [a_running]}\n",
                "4:13: probes.progress.progress: required key is missing (e.g. progress: vllm:iteration_tokens_total_count"
                        + "   (a counter that moves on every engine step))");
        assertProblems(SERVER + "probes:\n  progress: {pending: [a-running], progress: \"steps total\"}\n",
                "4:24: probes.progress.pending[0]: 'a-running' is not a Prometheus metric name",
                "4:46: probes.progress.progress: 'steps total' is not a Prometheus metric name");
        assertProblems(SERVER + "probes:\n  progress: {engine: vllm, stall_after: 500ms}\n",
                "4:41: probes.progress.stall_after: must be at least 1s, got 500ms");
        assertProblems("runtime: {command: [x]}\nstate_dir: /s\nprobes:\n  progress: {engine: vllm}\n",
                "4:13: probes.progress: has no url, and there is no runtime.port to scrape http://127.0.0.1:PORT/metrics on;"
                        + " give url: \"http://127.0.0.1:8000/metrics\"");
    }

    @Test
    void inferenceProblems() {
        assertProblems(SERVER + "probes:\n  inference: {body: x}\n",
                "4:14: probes.inference.url: required key is missing (e.g. url: \"http://127.0.0.1:8000/v1/chat/completions\")");
        assertProblems(SERVER + "probes:\n  inference: {url: \"http://h/x\", body: x, body_file: /nope}\n",
                "4:54: probes.inference.body_file: give the request body inline (body) or from a file (body_file), not both");
        assertProblems(SERVER + "probes:\n  inference: {url: \"http://h/x\", body_file: /nonexistent/请求.json}\n",
                "4:45: probes.inference.body_file: cannot read '/nonexistent/请求.json': java.nio.file.NoSuchFileException:"
                        + " /nonexistent/请求.json");
        assertProblems(SERVER + "probes:\n  inference: {url: \"http://h/x\", method: post}\n",
                "4:42: probes.inference.method: 'post' is not an HTTP method; write it in capitals, e.g. POST");
        assertProblems(SERVER + "probes:\n  inference: {url: \"http://h/x\", method: GET, body: x}\n",
                "4:42: probes.inference.method: GET sends no request body, and this probe has one; use POST");
        assertProblems(SERVER + "probes:\n  inference: {url: \"http://h/x\", expect_json: {pointer: choices}}\n",
                "4:57: probes.inference.expect_json.pointer: JSON pointer must start with '/', got \"choices\""
                        + " (RFC 6901, e.g. /choices/0/message/content)");
        assertProblems(SERVER + "probes:\n  inference: {url: \"http://h/x\", expect_json: {pointer: /a, matches: \"(\"}}\n",
                "4:70: probes.inference.expect_json.matches: '(' is not a regular expression: Unclosed group near index 1");
        assertProblems(SERVER + "probes:\n  inference: {url: \"http://h/x\", timeout: 5s, slow_after: 5s}\n",
                "4:59: probes.inference.slow_after: must be less than timeout (5s): an answer later than the timeout is a"
                        + " failure, not a slow answer");
        assertProblems(SERVER + "probes:\n  inference: {url: \"http://h/x\", restart_on_slow: true}\n",
                "4:51: probes.inference.restart_on_slow: needs slow_after: the time above which an answer counts as slow");
        assertProblems(SERVER + "probes:\n  inference: {url: \"http://h/x\", headers: {\"Bad Name\": x}}\n",
                "4:43: probes.inference.headers: invalid header name \"Bad Name\"");
        assertProblems(SERVER + "probes:\n  inference: {url: \"http://h/x\", schedule: 10ms}\n",
                "4:44: probes.inference.schedule: an interval must be at least 100ms, got 10ms");
    }
}
