package dev.glyphsupervisor.probes;

import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.HttpURLConnection;
import java.net.Proxy;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * GETs a health URL and checks the status code and, optionally, that the body contains a string.
 *
 * <p>Through {@link HttpURLConnection}, not {@code java.net.http.HttpClient}: the daemon makes one small GET
 * a minute, and HttpClient brought ~600 classes, four threads and the CA certificates (built even for
 * plain http) into a daemon that is meant to stay small (about 8 MB of its RSS).
 *
 * <p>Bounded in time: the connect and the whole exchange (headers and body) must finish within the
 * timeout. The connect and read timeouts bound each step, and a deadline on a shared timer thread
 * disconnects the exchange when the whole has run out, so neither a server that drips its headers or its
 * body nor one that accepts the connection and never answers (a SIGSTOPped process: the kernel completes
 * the handshake from the listen backlog) holds the probe beyond the timeout.
 *
 * <p>Bounded in resources across thousands of calls: a healthy exchange reads its body to the end and
 * closes the stream, so the connection goes back to the JDK's keep-alive cache and is reused by the next
 * check. An exchange we give up on (timeout, body over {@value #MAX_BODY_BYTES} bytes) is disconnected,
 * which closes its connection rather than pooling a half-read one. Redirects are never followed, so a
 * check talks to exactly one server, and no proxy is used: the health URL is the server's own.
 * Blocking socket I/O does not see interrupts: a caller interrupted before the check gets UNKNOWN at once;
 * one interrupted during it waits at most the timeout.
 */
public final class HttpHealthProbe implements Probe {

    /** The most body bytes read and matched; a health body is small, and a huge one must not cost memory. */
    static final int MAX_BODY_BYTES = 64 * 1024;
    private static final int EXCERPT_CHARS = 200;

    /** Disconnects exchanges that outlive their deadline; one thread for all probes, idle between checks. */
    private static final ScheduledThreadPoolExecutor DEADLINES = deadlineTimer();

    private final URI url;
    private final URL target;
    private final Duration timeout;
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
            this.target = url.toURL();
        } catch (java.net.MalformedURLException | IllegalArgumentException e) {
            throw new IllegalArgumentException("health url " + url + " is not a URL: " + e.getMessage(), e);
        }
        this.timeout = Durations.requirePositive(timeout, "http probe timeout");
        if (expectStatus < 100 || expectStatus > 599) {
            throw new IllegalArgumentException("expected status must be 100..599, got " + expectStatus);
        }
        this.expectStatus = expectStatus;
        this.expectBody = expectBodyOrNull;
    }

    private static ScheduledThreadPoolExecutor deadlineTimer() {
        ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "glyph-http-deadline");
            t.setDaemon(true);
            return t;
        });
        timer.setRemoveOnCancelPolicy(true); // a check that finishes in time leaves nothing queued
        return timer;
    }

    @Override
    public String name() {
        return "http";
    }

    @Override
    public ProbeResult check() {
        long start = System.nanoTime();
        if (Thread.currentThread().isInterrupted()) {
            return ProbeResult.unknown(name(), "interrupted while probing " + url, Durations.since(start));
        }
        Exchange exchange = new Exchange();
        ScheduledFuture<?> deadline = null;
        try {
            HttpURLConnection connection = (HttpURLConnection) target.openConnection(Proxy.NO_PROXY);
            exchange.connection = connection;
            int millis = (int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis()));
            connection.setConnectTimeout(millis);
            connection.setReadTimeout(millis);
            connection.setInstanceFollowRedirects(false);
            connection.setUseCaches(false);
            deadline = DEADLINES.schedule(exchange::expire, timeout.toNanos(), TimeUnit.NANOSECONDS);
            int status = connection.getResponseCode();
            exchange.status = status;
            Body body = read(connection, status);
            deadline.cancel(false);
            if (exchange.expired) {
                return ProbeResult.failure(name(), noResponseDetail(exchange.status), Durations.since(start));
            }
            if (body.truncated()) {
                connection.disconnect(); // not back to the keep-alive cache with unread bytes in it
            }
            return judge(status, body, connection.getHeaderField("Location"), Durations.since(start));
        } catch (IOException e) {
            if (deadline != null) {
                deadline.cancel(false);
            }
            if (exchange.connection != null) {
                exchange.connection.disconnect();
            }
            return fromError(e, exchange, Durations.since(start));
        } catch (RuntimeException e) {
            if (deadline != null) {
                deadline.cancel(false);
            }
            return ProbeResult.unknown(name(), "probe error: " + e, Durations.since(start));
        }
    }

    /** One check's connection, what it got so far, and whether the deadline cut it off. */
    private static final class Exchange {
        volatile HttpURLConnection connection;
        volatile int status = -1;
        volatile boolean expired;

        void expire() {
            expired = true;
            HttpURLConnection c = connection;
            if (c != null) {
                c.disconnect(); // closes the socket under a blocked read, which then fails at once
            }
        }
    }

    /** The bytes read, and whether the body went on beyond them. */
    record Body(byte[] bytes, boolean truncated) {
    }

    /** At most {@value #MAX_BODY_BYTES} bytes of the body (the error stream for a 4xx/5xx), then one more to tell if there was more. */
    private static Body read(HttpURLConnection connection, int status) throws IOException {
        InputStream in = status >= 400 ? connection.getErrorStream() : connection.getInputStream();
        if (in == null) {
            return new Body(new byte[0], false);
        }
        byte[] bytes = in.readNBytes(MAX_BODY_BYTES);
        boolean truncated = bytes.length == MAX_BODY_BYTES && in.read() != -1;
        if (!truncated) {
            in.close(); // the whole body was read: the connection may be reused
        }
        return new Body(bytes, truncated);
    }

    private ProbeResult judge(int status, Body response, String location, Duration latency) {
        String body = new String(response.bytes(), StandardCharsets.UTF_8);
        if (status != expectStatus) {
            StringBuilder detail = new StringBuilder()
                    .append("status ").append(status).append(" (expected ").append(expectStatus).append(')');
            if (status >= 300 && status < 400) {
                detail.append("; redirect to ").append(sanitize(location == null ? "?" : location)).append(" not followed");
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

    private ProbeResult fromError(IOException cause, Exchange exchange, Duration latency) {
        if (exchange.expired) {
            return ProbeResult.failure(name(), noResponseDetail(exchange.status), latency);
        }
        if (cause instanceof SocketTimeoutException) {
            // The JDK's message tells which step: "connect timed out" or "Read timed out".
            if (String.valueOf(cause.getMessage()).toLowerCase(java.util.Locale.ROOT).startsWith("connect")) {
                return ProbeResult.failure(name(), "no connection to " + authority() + " within " + Durations.human(timeout),
                        latency);
            }
            return ProbeResult.failure(name(), noResponseDetail(exchange.status), latency);
        }
        if (cause instanceof ConnectException) {
            return ProbeResult.failure(name(), "connection refused: " + authority(), latency);
        }
        // Reset, closed without a response, malformed response, TLS failure: the server misbehaved.
        return ProbeResult.failure(name(), "request to " + url + " failed: " + cause, latency);
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
