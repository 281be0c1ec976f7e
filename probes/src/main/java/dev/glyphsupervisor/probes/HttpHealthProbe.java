package dev.glyphsupervisor.probes;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * GETs a health URL and checks the status code and, optionally, that the body contains a string.
 *
 * <p>Bounded in time: the connect and the whole exchange (headers and body) must finish within the
 * timeout. {@link HttpRequest#timeout} alone would not do: in Java 17 it stops at the response headers,
 * so a server that sends headers and then stalls the body would hang the probe. So we also wait on the
 * future with the remaining time and cancel it when that runs out. A server that accepts the connection
 * but never answers (a SIGSTOPped process: the kernel completes the handshake from the listen backlog)
 * therefore gives FAILURE after the timeout.
 *
 * <p>Bounded in resources across thousands of calls: each probe owns one {@link HttpClient}, so its
 * selector thread and worker pool are shared by all its checks (the pool's idle threads exit on their
 * own; the selector thread ends when the probe is garbage). A healthy exchange reads its body to the end
 * and the connection goes back to the client's keep-alive pool and is reused by the next check. An
 * exchange we give up on (timeout, body over {@value #MAX_BODY_BYTES} bytes, interrupt) is cancelled,
 * which closes its connection rather than pooling a half-read one. Redirects are never followed, so a
 * check talks to exactly one server.
 */
public final class HttpHealthProbe implements Probe {

    /** The most body bytes read and matched; a health body is small, and a huge one must not cost memory. */
    static final int MAX_BODY_BYTES = 64 * 1024;
    private static final int EXCERPT_CHARS = 200;

    private final URI url;
    private final Duration timeout;
    private final int expectStatus;
    private final String expectBody;
    private final HttpClient client;
    private final HttpRequest request;

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
        this.timeout = Durations.requirePositive(timeout, "http probe timeout");
        if (expectStatus < 100 || expectStatus > 599) {
            throw new IllegalArgumentException("expected status must be 100..599, got " + expectStatus);
        }
        this.expectStatus = expectStatus;
        this.expectBody = expectBodyOrNull;
        this.client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(timeout)
                .build();
        this.request = HttpRequest.newBuilder(url).GET().timeout(timeout).build();
    }

    @Override
    public String name() {
        return "http";
    }

    @Override
    public ProbeResult check() {
        long start = System.nanoTime();
        // Set from the client's thread when the headers arrive, so a timeout can tell "no response" from
        // "headers came, body stalled".
        AtomicInteger headersStatus = new AtomicInteger(-1);
        CompletableFuture<HttpResponse<LimitedBodySubscriber.Body>> future;
        try {
            future = client.sendAsync(request, info -> {
                headersStatus.set(info.statusCode());
                return new LimitedBodySubscriber(MAX_BODY_BYTES);
            });
        } catch (RuntimeException e) {
            return ProbeResult.unknown(name(), "probe error: " + e, Durations.since(start));
        }
        try {
            HttpResponse<LimitedBodySubscriber.Body> response = future.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
            return judge(response, Durations.since(start));
        } catch (TimeoutException e) {
            future.cancel(true);
            return ProbeResult.failure(name(), noResponseDetail(headersStatus.get()), Durations.since(start));
        } catch (InterruptedException e) {
            future.cancel(true);
            Thread.currentThread().interrupt();
            return ProbeResult.unknown(name(), "interrupted while probing " + url, Durations.since(start));
        } catch (ExecutionException e) {
            return fromError(e.getCause(), headersStatus.get(), Durations.since(start));
        }
    }

    private ProbeResult judge(HttpResponse<LimitedBodySubscriber.Body> response, Duration latency) {
        int status = response.statusCode();
        String body = new String(response.body().bytes(), StandardCharsets.UTF_8);
        if (status != expectStatus) {
            StringBuilder detail = new StringBuilder()
                    .append("status ").append(status).append(" (expected ").append(expectStatus).append(')');
            if (status >= 300 && status < 400) {
                String location = response.headers().firstValue("Location").orElse("?");
                detail.append("; redirect to ").append(sanitize(location)).append(" not followed");
            }
            if (!body.isBlank()) {
                detail.append("; body: ").append(excerpt(body));
            }
            return ProbeResult.failure(name(), detail.toString(), latency);
        }
        if (expectBody != null && !body.contains(expectBody)) {
            String within = response.body().truncated() ? " (in the first " + MAX_BODY_BYTES + " bytes)" : "";
            return ProbeResult.failure(name(), "body does not contain \"" + sanitize(expectBody) + "\"" + within
                    + "; body: " + excerpt(body), latency);
        }
        return ProbeResult.success(name(), "status " + status, latency);
    }

    private ProbeResult fromError(Throwable cause, int headersStatus, Duration latency) {
        if (cause instanceof HttpConnectTimeoutException) {
            return ProbeResult.failure(name(), "no connection to " + authority() + " within " + Durations.human(timeout),
                    latency);
        }
        if (cause instanceof HttpTimeoutException) {
            return ProbeResult.failure(name(), noResponseDetail(headersStatus), latency);
        }
        if (cause instanceof ConnectException) {
            return ProbeResult.failure(name(), "connection refused: " + authority(), latency);
        }
        if (cause instanceof IOException) {
            // Reset, closed without a response, malformed response, TLS failure: the server misbehaved.
            return ProbeResult.failure(name(), "request to " + url + " failed: " + cause, latency);
        }
        return ProbeResult.unknown(name(), "probe error: " + cause, latency);
    }

    private String noResponseDetail(int headersStatus) {
        if (headersStatus >= 0) {
            return "status " + headersStatus + " but body not complete within " + Durations.human(timeout);
        }
        return "no response within " + Durations.human(timeout);
    }

    private String authority() {
        int port = url.getPort() != -1 ? url.getPort() : "https".equalsIgnoreCase(url.getScheme()) ? 443 : 80;
        return url.getHost() + ":" + port;
    }

    /** A one-line quoted excerpt of the body, at most {@value #EXCERPT_CHARS} characters with the quotes. */
    static String excerpt(String body) {
        int room = EXCERPT_CHARS - 2;
        String clean = sanitize(body.strip());
        if (clean.length() > room) {
            clean = clean.substring(0, room - 3) + "...";
        }
        return "\"" + clean + "\"";
    }

    /**
     * Makes server-supplied text safe for one log line or audit field: whitespace runs become one space,
     * double quotes become single ones (the excerpt is quoted), and control and invisible formatting
     * characters (which could fake line breaks or reorder text in a terminal) become '?'. Stops early
     * once far more text than any excerpt needs has been seen.
     */
    static String sanitize(String s) {
        int cap = 4 * EXCERPT_CHARS;
        StringBuilder out = new StringBuilder(Math.min(s.length(), cap));
        boolean lastSpace = false;
        for (int i = 0; i < s.length() && out.length() < cap; i++) {
            char c = s.charAt(i);
            boolean space = Character.isWhitespace(c);
            if (space) {
                if (!lastSpace) {
                    out.append(' ');
                }
            } else if (c == '"') {
                out.append('\'');
            } else if (Character.isISOControl(c) || Character.getType(c) == Character.FORMAT) {
                out.append('?');
            } else {
                out.append(c);
            }
            lastSpace = space;
        }
        return out.toString();
    }
}
