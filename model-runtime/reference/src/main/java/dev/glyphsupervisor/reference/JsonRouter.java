package dev.glyphsupervisor.reference;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.Headers;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/**
 * The one handler bound at {@code /}: matches exact paths (the JDK server matches prefixes, which would
 * let {@code /healthz} reach {@code /health}), reads bounded bodies, turns every refusal and every bug
 * into a JSON error so a bad request never stops the server, writes one log line per request, and
 * counts requests in flight so a stop can let them finish.
 *
 * <p>A route may answer later ({@link #routeAsync}): its handler returns a stage and the HTTP thread goes
 * back to the pool at once; the answer is written, logged and counted out by whichever thread completes
 * the stage. The JDK server allows this: an exchange ends when its response body is closed, not when
 * {@code handle} returns.
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

    /** What a request route gets: the body, the raw query string (null when the URI has none) and the headers. */
    record Request(byte[] body, String rawQuery, Headers headers) {

        /** The first value of a request header, or null. */
        String header(String name) {
            return headers.getFirst(name);
        }

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
    private final Map<String, Map<String, Function<Request, CompletionStage<Reply>>>> routes = new LinkedHashMap<>();
    /** Path prefix → a handler for every method and path under it that has no route of its own. */
    private final Map<String, Function<Request, Reply>> fallbacks = new LinkedHashMap<>();
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
        return routeAsync(method, path, request -> CompletableFuture.completedFuture(handler.apply(request)));
    }

    /** Routes {@code method path} to a handler that answers later; the stage may fail with an {@link ApiException}. */
    JsonRouter routeAsync(String method, String path, Function<Request, CompletionStage<Reply>> handler) {
        routes.computeIfAbsent(path, p -> new LinkedHashMap<>()).put(method, handler);
        return this;
    }

    /**
     * Answers every method on every path under {@code prefix} that has no route of its own (not listed
     * among the endpoints in 404 messages).
     */
    JsonRouter fallback(String prefix, Function<Request, Reply> handler) {
        fallbacks.put(prefix, handler);
        return this;
    }

    @Override
    public void handle(HttpExchange exchange) {
        long start = System.nanoTime();
        String method = exchange.getRequestMethod();
        String path = exchange.getRequestURI().getPath();
        if (!enter()) {
            exchange.getResponseHeaders().set("Connection", "close");
            finish(exchange, method, path, start, error(new ApiException(503, "unavailable", "the server is stopping")));
            return;
        }
        // Counted out once the answer is written, now for a plain route, later for one that answers later.
        dispatch(exchange, method, path).whenComplete((reply, failure) -> {
            try {
                finish(exchange, method, path, start, failure == null ? reply : error(failure));
            } finally {
                leave();
            }
        });
    }

    private CompletionStage<Reply> dispatch(HttpExchange exchange, String method, String path) {
        try {
            Map<String, Function<Request, CompletionStage<Reply>>> methods = routes.get(path);
            if (methods == null) {
                Function<Request, Reply> fallback = fallback(path);
                if (fallback != null) {
                    return CompletableFuture.completedFuture(fallback.apply(request(exchange)));
                }
                throw new ApiException(404, "not_found", "no endpoint " + path + "; this server has " + endpoints());
            }
            Function<Request, CompletionStage<Reply>> handler = methods.get(method);
            if (handler == null) {
                String allowed = String.join(", ", methods.keySet());
                exchange.getResponseHeaders().set("Allow", allowed);
                throw new ApiException(405, "method_not_allowed", path + " takes " + String.join(" or ", methods.keySet())
                        + ", not " + method);
            }
            return handler.apply(request(exchange));
        } catch (IOException e) {
            return CompletableFuture.completedFuture(
                    error(ApiException.invalid("request body could not be read: " + e.getMessage())));
        } catch (RuntimeException e) {
            return CompletableFuture.completedFuture(error(e));
        }
    }

    private Request request(HttpExchange exchange) throws IOException {
        return new Request(readBody(exchange), exchange.getRequestURI().getRawQuery(), exchange.getRequestHeaders());
    }

    private Function<Request, Reply> fallback(String path) {
        for (Map.Entry<String, Function<Request, Reply>> entry : fallbacks.entrySet()) {
            if (path.startsWith(entry.getKey())) {
                return entry.getValue();
            }
        }
        return null;
    }

    /** Writes the answer and the log line; a client gone away only closes the exchange. */
    private void finish(HttpExchange exchange, String method, String path, long start, Reply reply) {
        String note = reply.logNote();
        try {
            send(exchange, reply);
        } catch (IOException | RuntimeException e) {
            note = (note.isEmpty() ? "" : note + " ") + "not delivered: " + e;
            exchange.close();
        } finally {
            double ms = (System.nanoTime() - start) / 1e6;
            log.printf(Locale.ROOT, "%s %s %s %d %.1fms%s%n", Instant.now(), method, path, reply.status(), ms,
                    note.isEmpty() ? "" : " " + note);
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

    /**
     * A refusal ({@link ApiException}, also wrapped by a stage) keeps its status; anything else is a bug or a
     * model failure on one request: 500, and the server keeps serving the others.
     */
    private static Reply error(Throwable failure) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
        if (cause instanceof ApiException e) {
            return error(e);
        }
        return error(new ApiException(500, "internal_error", cause.toString()));
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
