package dev.glyphsupervisor.probes.inference;

import dev.glyphsupervisor.probes.Durations;
import java.net.URI;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A real request to a server, and what its answer must be.
 *
 * @param url          the endpoint, e.g. {@code http://127.0.0.1:5002/v1/chat/completions}
 * @param method       GET, POST, PUT, ...
 * @param headers      request headers; with a body and no Content-Type, {@code application/json} is sent
 * @param body         the request body (POST, PUT)
 * @param expectStatus the status a good answer has
 * @param expect       a check on the JSON answer
 * @param timeout      the bound on the whole exchange: no answer within it is a failure
 * @param slowAfter    an answer later than this is SLOW (reported, not by itself a failure)
 */
public record InferenceRequest(URI url, String method, Map<String, String> headers, Optional<byte[]> body,
                               int expectStatus, Optional<JsonExpectation> expect, Duration timeout,
                               Optional<Duration> slowAfter) {

    public InferenceRequest {
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(method, "method");
        headers = Collections.unmodifiableMap(new LinkedHashMap<>(Objects.requireNonNull(headers, "headers")));
        headers.forEach(InferenceRequest::checkHeader);
        Objects.requireNonNull(body, "body");
        body = body.map(byte[]::clone);
        Objects.requireNonNull(expect, "expect");
        Durations.requirePositive(timeout, "inference timeout");
        Objects.requireNonNull(slowAfter, "slowAfter");
        if (expectStatus < 100 || expectStatus > 599) {
            throw new IllegalArgumentException("expected status must be 100..599, got " + expectStatus);
        }
        if (slowAfter.isPresent() && (slowAfter.get().isNegative() || slowAfter.get().isZero())) {
            throw new IllegalArgumentException("slow_after must be positive, got " + slowAfter.get());
        }
    }

    /** A header name is an HTTP token; a value has no line break or other control character but tab. */
    private static void checkHeader(String name, String value) {
        if (name == null || name.isEmpty() || !name.chars().allMatch(c -> c > 32 && c < 127 && "()<>@,;:\\\"/[]?={}".indexOf(c) < 0)) {
            throw new IllegalArgumentException("invalid header name \"" + name + "\"");
        }
        if (value == null || value.chars().anyMatch(c -> c < 32 && c != '\t' || c == 127)) {
            throw new IllegalArgumentException("header " + name + " has a missing value or a control character in it");
        }
    }
}
