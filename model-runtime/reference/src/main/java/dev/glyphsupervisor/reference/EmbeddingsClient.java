package dev.glyphsupervisor.reference;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@link SearchFront}'s calls to the reference runtime: {@code POST /v1/embeddings} and {@code GET /health}
 * over the JDK's HTTP client. Every way a call can go wrong becomes one {@link Failure} with a short,
 * readable message ("not reachable: connection refused"), which the front end shows in its 502s and its
 * {@code /health}.
 */
final class EmbeddingsClient {

    /** A call to the runtime that did not give vectors; the message says why, without the URL. */
    static final class Failure extends Exception {
        Failure(String message) {
            super(message, null, false, false);
        }
    }

    private final URI base;
    private final Duration timeout;
    private final ObjectMapper json;
    private final HttpClient client;

    EmbeddingsClient(URI base, Duration timeout, ObjectMapper json) {
        this.base = base;
        this.timeout = timeout;
        this.json = json;
        // HTTP/1.1: the runtime is the JDK's HTTP server, which speaks no HTTP/2; asking for an upgrade
        // on every new connection would only add headers.
        this.client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(timeout)
                .build();
    }

    URI base() {
        return base;
    }

    /** One vector per input, in order; inputs go in one request (the caller keeps under the runtime's limits). */
    List<float[]> embed(List<String> inputs) throws Failure {
        byte[] body;
        try {
            body = json.writeValueAsBytes(Map.of("input", inputs));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        HttpRequest request = HttpRequest.newBuilder(URI.create(base + "/v1/embeddings"))
                .timeout(timeout)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build();
        JsonNode reply = parse(send(request));
        JsonNode data = reply.get("data");
        if (data == null || !data.isArray() || data.size() != inputs.size()) {
            throw new Failure("answered with an unexpected body: no \"data\" list of " + inputs.size() + " embeddings");
        }
        List<float[]> vectors = new ArrayList<>(inputs.size());
        for (JsonNode item : data) {
            JsonNode values = item.get("embedding");
            if (values == null || !values.isArray() || values.isEmpty()) {
                throw new Failure("answered with an unexpected body: an item without a float \"embedding\"");
            }
            float[] vector = new float[values.size()];
            for (int k = 0; k < vector.length; k++) {
                vector[k] = values.get(k).floatValue();
            }
            vectors.add(vector);
        }
        return vectors;
    }

    /** The runtime's own {@code GET /health}: passes on 200 only (503 while its model loads). */
    void health() throws Failure {
        HttpRequest request = HttpRequest.newBuilder(URI.create(base + "/health"))
                .timeout(timeout).GET().build();
        send(request);
    }

    private byte[] send(HttpRequest request) throws Failure {
        HttpResponse<byte[]> response;
        try {
            response = client.send(request, HttpResponse.BodyHandlers.ofByteArray());
        } catch (HttpConnectTimeoutException e) {
            throw new Failure("not reachable: no connection within " + human(timeout));
        } catch (HttpTimeoutException e) {
            throw new Failure("no answer within " + human(timeout));
        } catch (ConnectException e) {
            // The JDK leaves the message empty for a refused connection on some paths.
            throw new Failure("not reachable: " + lower(e.getMessage() == null ? "connection refused" : e.getMessage()));
        } catch (IOException e) {
            throw new Failure("connection failed: " + lower(e.getMessage() == null ? e.getClass().getSimpleName()
                    : e.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Failure("interrupted");
        }
        if (response.statusCode() != 200) {
            throw new Failure("answered " + response.statusCode() + errorMessage(response.body()));
        }
        return response.body();
    }

    private JsonNode parse(byte[] body) throws Failure {
        try {
            JsonNode node = json.readTree(body);
            if (node != null && node.isObject()) {
                return node;
            }
        } catch (IOException e) {
            // reported below
        }
        throw new Failure("answered with an unexpected body: not a JSON object");
    }

    /** ": the model is still loading; poll GET /health" from the runtime's error body, or "" when it has none. */
    private String errorMessage(byte[] body) {
        try {
            JsonNode node = json.readTree(body);
            JsonNode message = node == null ? null : node.path("error").get("message");
            if (message != null && message.isTextual()) {
                return ": " + message.textValue();
            }
            if (node != null && node.get("status") != null) {
                return ": status " + node.get("status").asText();
            }
        } catch (IOException | RuntimeException e) {
            // not JSON: the status alone says enough
        }
        return "";
    }

    private static String lower(String message) {
        return message.isEmpty() ? message : message.substring(0, 1).toLowerCase(Locale.ROOT) + message.substring(1);
    }

    static String human(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
    }
}
