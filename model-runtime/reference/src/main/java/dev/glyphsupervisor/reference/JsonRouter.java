package dev.glyphsupervisor.reference;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * The one handler bound at {@code /}: matches exact paths (the JDK server matches prefixes, which would
 * let {@code /healthz} reach {@code /health}), reads bounded bodies, turns every refusal and every bug
 * into a JSON error so a bad request never stops the server, writes one log line per request, and
 * counts requests in flight so a stop can let them finish.
 */
final class JsonRouter implements HttpHandler {

    /**
     * What a route answers: a status, a body for Jackson (or a {@link Raw} body sent as it is), and a short
     * note for the log line ("" for none).
     */
    record Reply(int status, Object body, String logNote) {
    }

    /** A reply body that is not JSON (an HTML page): sent byte for byte with its content type. */
    record Raw(String contentType, byte[] bytes) {
    }

    /** What a request route gets: the body and the raw query string (null when the URI has none). */
    record Request(byte[] body, String rawQuery) {

        /** The query parameters, decoded as UTF-8 (the first value of a repeated name wins); 400 if malformed. */
        Map<String, String> query() {
            Map<String, String> params = new LinkedHashMap<>();
            if (rawQuery == null || rawQuery.isEmpty()) {
                return params;
            }
            for (String pair : rawQuery.split("&")) {
                if (pair.isEmpty()) {
                    continue;
                }
                int eq = pair.indexOf('=');
                try {
                    String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
                    String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
                    params.putIfAbsent(name, value);
                } catch (IllegalArgumentException e) {
                    throw ApiException.invalid("malformed query string: " + e.getMessage());
                }
            }
            return params;
        }
    }

    /** How much of an oversized body is read and thrown away so its 413 can be delivered; past it, the client gets a reset. */
    private static final long DRAIN_LIMIT_BYTES = 64L << 20;

    private final ObjectMapper json;
    private final long maxBodyBytes;
    private final PrintStream log;
    /** Path → method → handler, in the order they were added (the 404 message lists them so). */
    private final Map<String, Map<String, Function<Request, Reply>>> routes = new LinkedHashMap<>();
    private final Object inFlightLock = new Object();
    private int inFlight;
    private boolean stopping;

    JsonRouter(ObjectMapper json, long maxBodyBytes, PrintStream log) {
        this.json = json;
        this.maxBodyBytes = maxBodyBytes;
        this.log = log;
    }

    /** Routes {@code method path} to a handler that needs only the body. */
    JsonRouter route(String method, String path, Function<byte[], Reply> handler) {
        return routeRequest(method, path, request -> handler.apply(request.body()));
    }

    /** Routes {@code method path} to a handler that also reads the query string; a path may take several methods. */
    JsonRouter routeRequest(String method, String path, Function<Request, Reply> handler) {
        routes.computeIfAbsent(path, p -> new LinkedHashMap<>()).put(method, handler);
        return this;
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        long start = System.nanoTime();
        String method = exchange.getRequestMethod();
        String path = exchange.getRequestURI().getPath();
        Reply reply;
        if (!enter()) {
            exchange.getResponseHeaders().set("Connection", "close");
            reply = error(new ApiException(503, "unavailable", "the server is stopping"));
        } else {
            try {
                reply = dispatch(exchange, method, path);
            } finally {
                leave();
            }
        }
        try {
            send(exchange, reply);
        } finally {
            double ms = (System.nanoTime() - start) / 1e6;
            log.printf(Locale.ROOT, "%s %s %s %d %.1fms%s%n", Instant.now(), method, path, reply.status(), ms,
                    reply.logNote().isEmpty() ? "" : " " + reply.logNote());
        }
    }

    private Reply dispatch(HttpExchange exchange, String method, String path) {
        try {
            Map<String, Function<Request, Reply>> methods = routes.get(path);
            if (methods == null) {
                throw new ApiException(404, "not_found", "no endpoint " + path + "; this server has " + endpoints());
            }
            Function<Request, Reply> handler = methods.get(method);
            if (handler == null) {
                String allowed = String.join(", ", methods.keySet());
                exchange.getResponseHeaders().set("Allow", allowed);
                throw new ApiException(405, "method_not_allowed", path + " takes " + String.join(" or ", methods.keySet())
                        + ", not " + method);
            }
            return handler.apply(new Request(readBody(exchange), exchange.getRequestURI().getRawQuery()));
        } catch (ApiException e) {
            return error(e);
        } catch (IOException e) {
            return error(ApiException.invalid("request body could not be read: " + e.getMessage()));
        } catch (RuntimeException e) {
            // A bug or a model failure on one request: answer 500 and keep serving the others.
            return error(new ApiException(500, "internal_error", e.toString()));
        }
    }

    /** "GET /health, GET /v1/models and POST /v1/embeddings": every route, in the order added. */
    private String endpoints() {
        List<String> all = new ArrayList<>();
        routes.forEach((path, methods) -> methods.keySet().forEach(method -> all.add(method + " " + path)));
        if (all.size() == 1) {
            return all.get(0);
        }
        return String.join(", ", all.subList(0, all.size() - 1)) + " and " + all.get(all.size() - 1);
    }

    private byte[] readBody(HttpExchange exchange) throws IOException {
        try (InputStream in = exchange.getRequestBody()) {
            byte[] body = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBodyBytes + 1));
            if (body.length > maxBodyBytes) {
                // Read on before answering: a reply while the client is still sending makes the kernel
                // reset the connection, and the client sees "connection reset" instead of the 413.
                discard(in, DRAIN_LIMIT_BYTES);
                exchange.getResponseHeaders().set("Connection", "close");
                throw new ApiException(413, "invalid_request_error", "request body is over " + maxBodyBytes + " bytes");
            }
            return body;
        }
    }

    private static void discard(InputStream in, long limit) throws IOException {
        byte[] buffer = new byte[64 * 1024];
        long total = 0;
        int n;
        while (total < limit && (n = in.read(buffer)) > 0) {
            total += n;
        }
    }

    private static Reply error(ApiException e) {
        Map<String, Object> detail = new java.util.LinkedHashMap<>();
        detail.put("message", e.getMessage());
        detail.put("type", e.type());
        return new Reply(e.status(), Map.of("error", detail), "error=" + e.type());
    }

    private void send(HttpExchange exchange, Reply reply) throws IOException {
        byte[] bytes;
        if (reply.body() instanceof Raw raw) {
            bytes = raw.bytes();
            exchange.getResponseHeaders().set("Content-Type", raw.contentType());
        } else {
            bytes = json.writeValueAsBytes(reply.body());
            exchange.getResponseHeaders().set("Content-Type", "application/json");
        }
        exchange.sendResponseHeaders(reply.status(), bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    private boolean enter() {
        synchronized (inFlightLock) {
            if (stopping) {
                return false;
            }
            inFlight++;
            return true;
        }
    }

    private void leave() {
        synchronized (inFlightLock) {
            inFlight--;
            inFlightLock.notifyAll();
        }
    }

    /** Refuses new requests and waits, up to {@code grace}, for those in flight; returns how many remain. */
    int drain(Duration grace) throws InterruptedException {
        long deadline = System.nanoTime() + grace.toNanos();
        synchronized (inFlightLock) {
            stopping = true;
            while (inFlight > 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                inFlightLock.wait(Math.max(1, left / 1_000_000));
            }
            return inFlight;
        }
    }
}
