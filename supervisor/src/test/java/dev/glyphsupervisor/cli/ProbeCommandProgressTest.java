package dev.glyphsupervisor.cli;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code glyphctl probe} with probes.progress and probes.inference: one scrape and one request, against a fake vLLM. */
class ProbeCommandProgressTest {

    private static final String VLLM_METRICS = """
            # HELP vllm:num_requests_running Number of requests in model execution batches.
            # TYPE vllm:num_requests_running gauge
            vllm:num_requests_running{engine="0",model_name="m"} 2.0
            # TYPE vllm:num_requests_waiting gauge
            vllm:num_requests_waiting{engine="0",model_name="m"} 1.0
            # TYPE vllm:iteration_tokens_total histogram
            vllm:iteration_tokens_total_bucket{engine="0",le="+Inf",model_name="m"} 1234.0
            vllm:iteration_tokens_total_count{engine="0",model_name="m"} 1234.0
            vllm:iteration_tokens_total_sum{engine="0",model_name="m"} 98765.0
            """;

    @TempDir
    Path dir;

    private HttpServer server;
    private volatile String metrics = VLLM_METRICS;
    private volatile int chatStatus = 200;
    private volatile String chatAnswer = "{\"choices\":[{\"message\":{\"content\":\"hi\"}}]}";
    private volatile long chatDelayMs;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/metrics", exchange -> answer(exchange, metrics == null ? 404 : 200,
                metrics == null ? "not found" : metrics));
        server.createContext("/v1/chat/completions", exchange -> {
            exchange.getRequestBody().readAllBytes();
            try {
                Thread.sleep(chatDelayMs);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            answer(exchange, chatStatus, chatAnswer);
        });
        server.setExecutor(null);
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private static void answer(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    }

    private Path config(String inferenceExtra) throws IOException {
        int port = server.getAddress().getPort();
        return Files.writeString(dir.resolve("c.yaml"), "runtime:\n  command: [\"sleep\", \"1\"]\n  port: " + port + "\n"
                + "probes:\n  tcp_timeout: 1s\n"
                + "  progress: {engine: vllm, stall_after: 90s}\n"
                + "  inference:\n    url: \"http://127.0.0.1:" + port + "/v1/chat/completions\"\n"
                + "    body: '{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":1}'\n"
                + "    expect_json: {pointer: /choices/0/message/content}\n"
                + "    timeout: 2s\n" + inferenceExtra
                + "state_dir: " + dir.resolve("state") + "\n");
    }

    private static String lineOf(CliRun run, String probe) {
        return List.of(run.out.toString().split("\n")).stream().filter(l -> l.startsWith(probe + " ")).findFirst()
                .orElseThrow(() -> new AssertionError("no " + probe + " line in:\n" + run.out));
    }

    @Test
    void aServingServerPassesBoth() throws Exception {
        CliRun run = new CliRun();
        assertEquals(0, run.execute("probe", "--config", config("").toString()), run.out + "\n" + run.err);
        String progress = lineOf(run, "progress");
        assertTrue(progress.contains("SUCCESS") && progress.contains("3 pending (vllm:num_requests_running +"
                + " vllm:num_requests_waiting), counter 1234 (vllm:iteration_tokens_total_count), 5 series at http://")
                && progress.contains("(vllm preset); one scrape cannot judge a stall")
                && progress.endsWith("stall_after 1m30s"), progress);
        String inference = lineOf(run, "inference");
        assertTrue(inference.contains("SUCCESS") && inference.contains("status 200, /choices/0/message/content \"hi\" in "),
                inference);
    }

    @Test
    void noMetricsIsUnknownAndAWrongAnswerFails() throws Exception {
        metrics = null;
        chatStatus = 500;
        chatAnswer = "engine dead";
        CliRun run = new CliRun();
        assertEquals(1, run.execute("probe", "--config", config("").toString()), run.out + "\n" + run.err);
        String progress = lineOf(run, "progress");
        assertTrue(progress.contains("UNKNOWN") && progress.contains("status 404 from http://")
                && progress.contains("is this vLLM"), progress);
        String inference = lineOf(run, "inference");
        assertTrue(inference.contains("FAILURE") && inference.contains("status 500 (expected 200); answer: \"engine dead\""),
                inference);
    }

    /** {@code glyphctl check} says what the two probes will do, beside the schedule it already prints. */
    @Test
    void checkDescribesBoth() throws Exception {
        int port = server.getAddress().getPort();
        CliRun run = new CliRun();
        assertEquals(0, run.execute("check", "--syntax-only", "--config",
                config("    slow_after: 1s\n    schedule: 30s\n").toString()), run.out + "\n" + run.err);
        String out = run.out.toString();
        assertTrue(out.contains("  progress:  http://127.0.0.1:" + port + "/metrics (vllm preset), stall_after 1m30s\n"), out);
        assertTrue(out.contains("  inference: POST http://127.0.0.1:" + port + "/v1/chat/completions, every 30s,"
                + " failure_threshold 3, slow_after 1s (reported only)\n"), out);
    }

    @Test
    void aSlowAnswerFailsOnlyWhereItWouldRestart() throws Exception {
        chatDelayMs = 300;
        CliRun reported = new CliRun();
        assertEquals(0, reported.execute("probe", "--config", config("    slow_after: 100ms\n").toString()),
                reported.out + "\n" + reported.err);
        String line = lineOf(reported, "inference");
        assertTrue(line.contains("SUCCESS") && line.contains("slow: ") && line.contains("restart_on_slow is off"), line);

        CliRun restarts = new CliRun();
        assertEquals(1, restarts.execute("probe", "--config",
                config("    slow_after: 100ms\n    restart_on_slow: true\n").toString()), restarts.out + "\n" + restarts.err);
        line = lineOf(restarts, "inference");
        assertTrue(line.contains("FAILURE") && line.contains("restart_on_slow: counts as a failure"), line);
    }
}
