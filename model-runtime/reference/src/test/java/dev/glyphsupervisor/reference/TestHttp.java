package dev.glyphsupervisor.reference;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.function.Predicate;

/** Real HTTP to a server under test, with JSON bodies and deadline-bounded waits. */
final class TestHttp {

    static final ObjectMapper JSON = new ObjectMapper();

    record Reply(int status, JsonNode body) {
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
