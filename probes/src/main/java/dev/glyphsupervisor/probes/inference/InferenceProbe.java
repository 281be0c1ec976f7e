package dev.glyphsupervisor.probes.inference;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.glyphsupervisor.probes.Durations;
import dev.glyphsupervisor.probes.http.Excerpts;
import dev.glyphsupervisor.probes.http.HttpExchange;
import dev.glyphsupervisor.probes.http.HttpExchange.Outcome;
import dev.glyphsupervisor.probes.inference.InferenceResult.Verdict;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * Sends one real request (e.g. a 1-token chat completion) and judges the answer: the status, and
 * optionally a JSON pointer in the body. A timeout is a failure: a server whose port and health
 * endpoint answer while its engine is stuck is exactly what this probe is for.
 *
 * <p>Through {@link HttpExchange} (bounded in time, no proxy, no redirects, keep-alive reuse), with a
 * 1 MiB cap on the answer. Immutable; safe to share between threads.
 */
public final class InferenceProbe {

    /** The most answer bytes read; a 1-token completion is a few hundred. */
    public static final int MAX_ANSWER_BYTES = 1024 * 1024;

    /** Strict about the end: "{} trailing garbage" is not a JSON answer. */
    private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private final InferenceRequest request;
    private final HttpExchange exchange;
    private final Map<String, String> headers;
    private final JsonPointer pointer;

    public InferenceProbe(InferenceRequest request) {
        this.request = Objects.requireNonNull(request, "request");
        this.exchange = new HttpExchange(request.url(), request.timeout(), MAX_ANSWER_BYTES);
        Map<String, String> h = new LinkedHashMap<>(request.headers());
        if (request.body().isPresent() && h.keySet().stream().noneMatch(k -> k.equalsIgnoreCase("Content-Type"))) {
            h.put("Content-Type", "application/json");
        }
        this.headers = Map.copyOf(h);
        this.pointer = request.expect().map(JsonExpectation::compiled).orElse(null);
        String method = request.method().toUpperCase(java.util.Locale.ROOT);
        if (request.body().isPresent() && (method.equals("GET") || method.equals("HEAD"))) {
            throw new IllegalArgumentException(method + " takes no request body; use POST");
        }
    }

    public InferenceRequest request() {
        return request;
    }

    /** One request; never throws for what a server does. */
    public InferenceResult check() {
        long start = System.nanoTime();
        try {
            return send();
        } catch (RuntimeException e) {
            return failed("probe error: " + e, Durations.since(start), OptionalInt.empty());
        }
    }

    private InferenceResult send() {
        Outcome outcome = exchange.send(request.method(), headers, request.body());
        if (outcome instanceof Outcome.Failed failed) {
            String detail = failed.kind() == HttpExchange.Kind.INTERRUPTED
                    ? "interrupted before the request to " + request.url()
                    : failed.detail() + " (" + request.method() + " " + request.url() + ")";
            return new InferenceResult(Verdict.FAILED, detail, failed.latency(), OptionalInt.empty());
        }
        Outcome.Answered answer = (Outcome.Answered) outcome;
        Duration latency = answer.latency();
        OptionalInt status = OptionalInt.of(answer.status());
        String body = new String(answer.body(), StandardCharsets.UTF_8);
        if (answer.status() != request.expectStatus()) {
            return failed("status " + answer.status() + " (expected " + request.expectStatus() + ")"
                    + (body.isBlank() ? "" : "; answer: " + Excerpts.excerpt(body)), latency, status);
        }
        String ok = "status " + answer.status();
        if (request.expect().isPresent()) {
            JsonExpectation expect = request.expect().get();
            if (answer.truncated()) {
                return failed("answer larger than " + (MAX_ANSWER_BYTES >> 20) + " MiB, not checked", latency, status);
            }
            JsonNode root;
            try {
                root = JSON.readTree(answer.body());
            } catch (IOException e) {
                root = null;
            }
            if (root == null || root.isMissingNode()) {
                return failed("answer is not JSON: " + Excerpts.excerpt(body), latency, status);
            }
            JsonNode node = root.at(pointer);
            if (node.isMissingNode()) {
                return failed(expect.pointer() + " missing; answer: " + Excerpts.excerpt(body), latency, status);
            }
            String text = node.isValueNode() ? node.asText() : node.toString();
            if (expect.equals().isPresent() && !expect.equals().get().equals(text)) {
                return failed(expect.pointer() + " is " + Excerpts.excerpt(text) + ", expected "
                        + Excerpts.excerpt(expect.equals().get()), latency, status);
            }
            if (expect.matches().isPresent() && !expect.matches().get().matcher(text).find()) {
                return failed(expect.pointer() + " is " + Excerpts.excerpt(text) + ", expected a match of /"
                        + Excerpts.sanitize(expect.matches().get().pattern()) + "/", latency, status);
            }
            ok += ", " + expect.pointer() + " " + Excerpts.excerpt(text);
        }
        if (request.slowAfter().isPresent() && latency.compareTo(request.slowAfter().get()) > 0) {
            return new InferenceResult(Verdict.SLOW, ok + " in " + Durations.human(latency) + ", slower than "
                    + Durations.human(request.slowAfter().get()), latency, status);
        }
        return new InferenceResult(Verdict.OK, ok + " in " + Durations.human(latency), latency, status);
    }

    private static InferenceResult failed(String detail, Duration latency, OptionalInt status) {
        return new InferenceResult(Verdict.FAILED, detail, latency, status);
    }
}
