package dev.glyphsupervisor.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.glyphsupervisor.deploy.PrometheusTools;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A real Prometheus server (Debian's {@code /usr/bin/prometheus}) for a test: on a loopback port of its own, with
 * a temporary data directory, scraping the given targets as job {@code glyph-supervisor} every second and
 * evaluating the given rule file every second. Read through its HTTP API.
 */
final class PrometheusServer implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final Process process;
    private final int port;
    private final Path log;

    private PrometheusServer(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
    }

    /** Starts it in {@code dir} and waits until it is ready ({@code /-/ready}). */
    static PrometheusServer start(Path dir, List<String> targets, Path rules, Duration timeout) throws IOException {
        Files.createDirectories(dir);
        Path config = dir.resolve("prometheus.yml");
        Files.writeString(config, "global:\n"
                + "  scrape_interval: 1s\n"
                + "  scrape_timeout: 1s\n"
                + "  evaluation_interval: 1s\n"
                + "rule_files:\n"
                + "  - \"" + rules + "\"\n"
                + "scrape_configs:\n"
                + "  - job_name: glyph-supervisor\n"
                + "    static_configs:\n"
                + "      - targets: [" + targets.stream().map(t -> "\"" + t + "\"").collect(Collectors.joining(", ")) + "]\n");
        int port = TestServer.freePort();
        Path log = dir.resolve("prometheus.log");
        Process process = new ProcessBuilder(PrometheusTools.prometheus().toString(),
                "--config.file=" + config,
                "--storage.tsdb.path=" + dir.resolve("data"),
                "--web.listen-address=127.0.0.1:" + port)
                .directory(dir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        PrometheusServer server = new PrometheusServer(process, port, log);
        try {
            Await.until(timeout, "Prometheus ready on 127.0.0.1:" + port, server::ready, server::describe);
        } catch (AssertionError e) {
            server.close();
            throw e;
        }
        return server;
    }

    private boolean ready() {
        if (!process.isAlive()) {
            throw new AssertionError("Prometheus exited " + process.exitValue() + describe());
        }
        try {
            return HTTP.send(HttpRequest.newBuilder(uri("/-/ready")).timeout(Duration.ofSeconds(2)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** GET {@code path} of the HTTP API; its {@code data}, after checking {@code status} is success. */
    JsonNode api(String path) {
        try {
            HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.ofString());
            JsonNode body = JSON.readTree(response.body());
            if (response.statusCode() != 200 || !"success".equals(body.path("status").asText())) {
                throw new AssertionError("GET " + path + " answered " + response.statusCode() + ": " + response.body());
            }
            return body.path("data");
        } catch (IOException e) {
            throw new UncheckedIOException("GET " + path, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /** An instant query: the result vector's samples. */
    List<JsonNode> query(String promql) {
        List<JsonNode> result = new ArrayList<>();
        api("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8)).path("result").forEach(result::add);
        return result;
    }

    /** Every active alert (pending or firing), from {@code /api/v1/alerts}. */
    List<JsonNode> alerts() {
        List<JsonNode> alerts = new ArrayList<>();
        api("/api/v1/alerts").path("alerts").forEach(alerts::add);
        return alerts;
    }

    String describe() {
        try {
            String text = Files.exists(log) ? Files.readString(log) : "";
            return "\nprometheus log (last 4000 chars):\n" + text.substring(Math.max(0, text.length() - 4000));
        } catch (IOException e) {
            return "\n(cannot read " + log + ": " + e + ")";
        }
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    @Override
    public void close() {
        process.destroy(); // SIGTERM: Prometheus shuts down cleanly
        try {
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }

    private static final Pattern FOR = Pattern.compile("(\\bfor:\\s*)(\\d+)([smhd])\\b");
    private static final Pattern RANGE = Pattern.compile("\\[(\\d+)([smhd])]");

    /**
     * The rule file on a clock {@code factor} times faster: every {@code for:} and every range selector's window
     * divided by {@code factor} (a minute becomes a second for 60), at least a second; the expressions, thresholds,
     * labels and annotations stay as shipped. So a test sees in seconds what a fleet sees in minutes.
     */
    static String faster(String rules, int factor) {
        String out = replace(FOR.matcher(rules), m -> m.group(1) + scaled(m.group(2), m.group(3), factor));
        return replace(RANGE.matcher(out), m -> "[" + scaled(m.group(1), m.group(2), factor) + "]");
    }

    private static String scaled(String number, String unit, int factor) {
        long seconds = Long.parseLong(number) * switch (unit) {
            case "s" -> 1;
            case "m" -> 60;
            case "h" -> 3600;
            default -> 86400;
        };
        return Math.max(1, seconds / factor) + "s";
    }

    private static String replace(Matcher m, java.util.function.Function<Matcher, String> with) {
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(sb, Matcher.quoteReplacement(with.apply(m)));
        }
        m.appendTail(sb);
        return sb.toString();
    }
}
