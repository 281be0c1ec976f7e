package dev.glyphsupervisor.probes;

import dev.glyphsupervisor.probes.http.Excerpts;
import dev.glyphsupervisor.probes.http.HttpExchange;
import dev.glyphsupervisor.probes.http.HttpExchange.Outcome;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * GETs a health URL and checks the status code and, optionally, that the body contains a string.
 *
 * <p>The exchange is an {@link HttpExchange}: bounded in time (connect, read and a whole-exchange
 * deadline), in memory (the first {@value #MAX_BODY_BYTES} body bytes), no proxy, no redirects, and
 * keep-alive reuse of fully read bodies. A timeout, a refused connection or a broken exchange is a
 * FAILURE; a caller interrupted before the check gets UNKNOWN at once.
 */
public final class HttpHealthProbe implements Probe {

    /** The most body bytes read and matched; a health body is small, and a huge one must not cost memory. */
    static final int MAX_BODY_BYTES = HttpExchange.HEALTH_BODY_BYTES;

    private final URI url;
    private final HttpExchange exchange;
    private final int expectStatus;
    private final String expectBody;

    /**
     * @param expectBodyOrNull a string the body must contain (compared with the body decoded as UTF-8,
     *                         first {@value #MAX_BODY_BYTES} bytes only), or null to check the status only
     */
    public HttpHealthProbe(URI url, Duration timeout, int expectStatus, String expectBodyOrNull) {
        this.url = Objects.requireNonNull(url, "url");
        String scheme = url.getScheme();
        if (!"http".equalsIgnoreCase(scheme) && !"https".equalsIgnoreCase(scheme)) {
            throw new IllegalArgumentException("health url must be http or https, got " + url);
        }
        try {
            url.toURL();
        } catch (java.net.MalformedURLException | IllegalArgumentException e) {
            throw new IllegalArgumentException("health url " + url + " is not a URL: " + e.getMessage(), e);
        }
        Durations.requirePositive(timeout, "http probe timeout");
        this.exchange = new HttpExchange(url, timeout, MAX_BODY_BYTES);
        if (expectStatus < 100 || expectStatus > 599) {
            throw new IllegalArgumentException("expected status must be 100..599, got " + expectStatus);
        }
        this.expectStatus = expectStatus;
        this.expectBody = expectBodyOrNull;
    }

    @Override
    public String name() {
        return "http";
    }

    @Override
    public ProbeResult check() {
        long start = System.nanoTime();
        Outcome outcome;
        try {
            outcome = exchange.get(Map.of());
        } catch (RuntimeException e) {
            return ProbeResult.unknown(name(), "probe error: " + e, Durations.since(start));
        }
        if (outcome instanceof Outcome.Answered answered) {
            return judge(answered);
        }
        Outcome.Failed failed = (Outcome.Failed) outcome;
        if (failed.kind() == HttpExchange.Kind.INTERRUPTED) {
            return ProbeResult.unknown(name(), "interrupted while probing " + url, failed.latency());
        }
        return ProbeResult.failure(name(), failed.detail(), failed.latency());
    }

    private ProbeResult judge(Outcome.Answered response) {
        int status = response.status();
        Duration latency = response.latency();
        String body = new String(response.body(), StandardCharsets.UTF_8);
        if (status != expectStatus) {
            StringBuilder detail = new StringBuilder()
                    .append("status ").append(status).append(" (expected ").append(expectStatus).append(')');
            if (status >= 300 && status < 400) {
                detail.append("; redirect to ").append(sanitize(response.location().orElse("?"))).append(" not followed");
            }
            if (!body.isBlank()) {
                detail.append("; body: ").append(excerpt(body));
            }
            return ProbeResult.failure(name(), detail.toString(), latency);
        }
        if (expectBody != null && !body.contains(expectBody)) {
            String within = response.truncated() ? " (in the first " + MAX_BODY_BYTES + " bytes)" : "";
            return ProbeResult.failure(name(), "body does not contain \"" + sanitize(expectBody) + "\"" + within
                    + "; body: " + excerpt(body), latency);
        }
        return ProbeResult.success(name(), "status " + status, latency);
    }

    /** A one-line quoted excerpt of the body, at most 200 characters with the quotes. */
    static String excerpt(String body) {
        return Excerpts.excerpt(body);
    }

    /** See {@link Excerpts#sanitize}. */
    static String sanitize(String s) {
        return Excerpts.sanitize(s);
    }
}
