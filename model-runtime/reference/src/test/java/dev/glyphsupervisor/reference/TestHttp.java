package dev.glyphsupervisor.reference;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;

/** Real HTTP to a server under test, with JSON bodies and deadline-bounded waits. */
final class TestHttp {

    static final ObjectMapper JSON = new ObjectMapper();

    record Reply(int status, JsonNode body) {
    }

    /** A reply that is not JSON (a /metrics scrape), with its content type. */
    record Text(int status, String contentType, String body) {
    }

    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String base;

    TestHttp(int port) {
        this.base = "http://127.0.0.1:" + port;
    }

    Reply get(String path) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(URI.create(base + path)).GET());
    }

    Reply post(String path, String body) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(URI.create(base + path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    Reply post(String path, Object body) throws IOException, InterruptedException {
        return post(path, JSON.writeValueAsString(body));
    }

    /** POST without waiting: the future completes with the reply (or fails when the connection does). */
    CompletableFuture<Reply> postAsync(String path, Object body) throws IOException {
        HttpRequest request = HttpRequest.newBuilder(URI.create(base + path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)))
                .timeout(Duration.ofSeconds(120)).build();
        return client.sendAsync(request, HttpResponse.BodyHandlers.ofByteArray()).thenApply(response -> {
            try {
                return new Reply(response.statusCode(), JSON.readTree(response.body()));
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
    }

    /** GET {@code path} as text, with an {@code Accept} header unless {@code accept} is null. */
    Text text(String path, String accept) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path)).GET().timeout(Duration.ofSeconds(60));
        if (accept != null) {
            request.header("Accept", accept);
        }
        HttpResponse<String> response = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
        return new Text(response.statusCode(), response.headers().firstValue("Content-Type").orElse(""), response.body());
    }

    /** The samples of a Prometheus text scrape without labels, name to value (comment lines skipped). */
    Map<String, Double> metrics() throws IOException, InterruptedException {
        Text scrape = text("/metrics", null);
        if (scrape.status() != 200) {
            throw new AssertionError("GET /metrics answered " + scrape.status() + ": " + scrape.body());
        }
        return samples(scrape.body());
    }

    static Map<String, Double> samples(String exposition) {
        Map<String, Double> samples = new LinkedHashMap<>();
        for (String line : exposition.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String[] parts = line.trim().split(" ");
            samples.put(parts[0], Double.parseDouble(parts[1]));
        }
        return samples;
    }

    /** Scrapes /metrics until {@code done} holds; fails with the last scrape at the deadline. */
    Map<String, Double> awaitMetrics(Predicate<Map<String, Double>> done, Duration timeout)
            throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Map<String, Double> last = metrics();
        while (!done.test(last)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("/metrics did not reach the expected state in " + timeout + "; last: " + last);
            }
            Thread.sleep(20);
            last = metrics();
        }
        return last;
    }

    Reply send(HttpRequest.Builder request) throws IOException, InterruptedException {
        HttpResponse<byte[]> response = client.send(request.timeout(Duration.ofSeconds(60)).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        return new Reply(response.statusCode(), JSON.readTree(response.body()));
    }

    /** Polls GET {@code path} until {@code done} holds; fails with the last reply at the deadline. */
    Reply await(String path, Predicate<Reply> done, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Object last = null;
        while (System.nanoTime() < deadline) {
            try {
                Reply reply = get(path);
                if (done.test(reply)) {
                    return reply;
                }
                last = reply;
            } catch (IOException e) {
                last = e; // not listening yet
            }
            Thread.sleep(50);
        }
        throw new AssertionError("GET " + path + " did not reach the expected state in " + timeout + "; last: " + last);
    }

    /** Cosine similarity; the server normalizes, but the test should not rely on it. */
    static double cosine(float[] a, float[] b) {
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int k = 0; k < a.length; k++) {
            dot += a[k] * b[k];
            na += a[k] * a[k];
            nb += b[k] * b[k];
        }
        return dot / Math.sqrt(na * nb);
    }

    static float[] vector(JsonNode embeddingsReply, int index) {
        JsonNode values = embeddingsReply.get("data").get(index).get("embedding");
        float[] vector = new float[values.size()];
        for (int k = 0; k < vector.length; k++) {
            vector[k] = values.get(k).floatValue();
        }
        return vector;
    }
}
