package dev.glyphsupervisor.probes.http;

import dev.glyphsupervisor.probes.Durations;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.HttpURLConnection;
import java.net.Proxy;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.URL;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * One bounded HTTP exchange with one URL: GET or POST (or another method {@link HttpURLConnection}
 * knows), request headers, an optional body, and a typed {@link Outcome}. The health probe, the
 * progress scraper and the inference probe all talk HTTP through this class.
 *
 * <p>Through {@link HttpURLConnection}, not {@code java.net.http.HttpClient}: the daemon makes a few
 * small requests a second at most, and HttpClient brought ~600 classes, four threads and the CA
 * certificates (built even for plain http) into a daemon that is meant to stay small.
 *
 * <p>Bounded in time: the connect and the whole exchange (request body, headers and response body) must
 * finish within the timeout. The connect and read timeouts bound each step, and a deadline on a shared
 * timer thread disconnects the exchange when the whole has run out, so neither a server that drips its
 * headers or its body nor one that accepts the connection and never answers (a SIGSTOPped process: the
 * kernel completes the handshake from the listen backlog) holds the caller beyond the timeout.
 *
 * <p>Bounded in resources across thousands of calls: an exchange whose body was read to its end closes
 * the stream, so the connection goes back to the JDK's keep-alive cache and is reused by the next call.
 * An exchange we give up on (timeout, body over the cap) is disconnected, which closes its connection
 * rather than pooling a half-read one. Redirects are never followed, so a call talks to exactly one
 * server, and no proxy is used: the URL is the server's own. Blocking socket I/O does not see
 * interrupts: a caller interrupted before the call gets {@link Kind#INTERRUPTED} at once; one
 * interrupted during it waits at most the timeout.
 *
 * <p>Instances are immutable and may be shared by threads; each call opens (or reuses) its own connection.
 */
public final class HttpExchange {

    /** The health probe's cap: a health body is small, and a huge one must not cost memory. */
    public static final int HEALTH_BODY_BYTES = 64 * 1024;
    /** A /metrics scrape's cap: vLLM's exposition is ~200 KiB with many models or LoRAs; 4 MiB leaves room. */
    public static final int SCRAPE_BODY_BYTES = 4 * 1024 * 1024;

    /** What {@link HttpURLConnection#setRequestMethod} accepts. */
    private static final Set<String> METHODS = Set.of("GET", "POST", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE");

    /** Disconnects exchanges that outlive their deadline; one thread for all probes, idle between calls. */
    private static final ScheduledThreadPoolExecutor DEADLINES = deadlineTimer();

    /** How a call ended: an answer (any status), or no answer and why. */
    public sealed interface Outcome permits Outcome.Answered, Outcome.Failed {

        Duration latency();

        /**
         * The server answered. {@code body} holds at most the cap's bytes (the error stream for a 4xx/5xx);
         * {@code truncated} says the body went on beyond them (and the connection was closed, not pooled).
         * {@code location} is the Location header, for a redirect that was not followed.
         */
        record Answered(int status, byte[] body, boolean truncated, Duration latency, Optional<String> location)
                implements Outcome {

            public Answered {
                Objects.requireNonNull(body, "body");
                Objects.requireNonNull(latency, "latency");
                Objects.requireNonNull(location, "location");
            }

            public Answered(int status, byte[] body, boolean truncated, Duration latency) {
                this(status, body, truncated, latency, Optional.empty());
            }
        }

        /** No (complete) answer. {@code detail} is one line for an operator, e.g. "no response within 5s". */
        record Failed(Kind kind, String detail, Duration latency) implements Outcome {

            public Failed {
                Objects.requireNonNull(kind, "kind");
                Objects.requireNonNull(detail, "detail");
                Objects.requireNonNull(latency, "latency");
            }
        }
    }

    /** Why a call got no answer. */
    public enum Kind {
        /** A connect timeout, a read timeout, or the whole-exchange deadline. */
        TIMEOUT,
        /** Nothing listens on the port (connection refused). */
        REFUSED,
        /** Reset, closed without a response, malformed response, TLS failure: the server misbehaved. */
        IO,
        /** The calling thread was interrupted before the call; its interrupt flag is kept. */
        INTERRUPTED
    }

    private final URI url;
    private final URL target;
    private final Duration timeout;
    private final int maxBodyBytes;

    /**
     * @param url          an http or https URL
     * @param timeout      the bound on the whole exchange, connect included
     * @param maxBodyBytes the most response body bytes read and kept; a longer body is cut there
     */
    public HttpExchange(URI url, Duration timeout, int maxBodyBytes) {
        this.url = Objects.requireNonNull(url, "url");
        String scheme = url.getScheme();
        if (!"http".equalsIgnoreCase(scheme) && !"https".equalsIgnoreCase(scheme)) {
            throw new IllegalArgumentException("url must be http or https, got " + url);
        }
        try {
            this.target = url.toURL();
        } catch (java.net.MalformedURLException | IllegalArgumentException e) {
            throw new IllegalArgumentException("url " + url + " is not a URL: " + e.getMessage(), e);
        }
        this.timeout = Durations.requirePositive(timeout, "http timeout");
        if (maxBodyBytes < 1 || maxBodyBytes > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("max body bytes must be positive, got " + maxBodyBytes);
        }
        this.maxBodyBytes = maxBodyBytes;
    }

    public URI url() {
        return url;
    }

    public Duration timeout() {
        return timeout;
    }

    public int maxBodyBytes() {
        return maxBodyBytes;
    }

    /** {@code host:port}, with the scheme's default port when the URL names none. */
    public String authority() {
        int port = url.getPort() != -1 ? url.getPort() : "https".equalsIgnoreCase(url.getScheme()) ? 443 : 80;
        return url.getHost() + ":" + port;
    }

    /** A GET with these request headers. */
    public Outcome get(Map<String, String> headers) {
        return send("GET", headers, Optional.empty());
    }

    /**
     * One exchange. With a body and no Content-Type header, sends {@code application/octet-stream}
     * (the JDK would otherwise claim a form). Headers the JDK restricts (Host, Connection, Content-Length,
     * ...) are dropped by it.
     *
     * @throws IllegalArgumentException for a method {@link HttpURLConnection} does not know, or a body on GET
     */
    public Outcome send(String method, Map<String, String> headers, Optional<byte[]> body) {
        Objects.requireNonNull(headers, "headers");
        Objects.requireNonNull(body, "body");
        String verb = Objects.requireNonNull(method, "method").toUpperCase(Locale.ROOT);
        if (!METHODS.contains(verb)) {
            throw new IllegalArgumentException("method must be one of " + METHODS + ", got " + method);
        }
        if (body.isPresent() && (verb.equals("GET") || verb.equals("HEAD"))) {
            throw new IllegalArgumentException(verb + " takes no request body");
        }
        long start = System.nanoTime();
        if (Thread.currentThread().isInterrupted()) {
            return new Outcome.Failed(Kind.INTERRUPTED, "interrupted before the request to " + url, Durations.since(start));
        }
        Call call = new Call();
        ScheduledFuture<?> deadline = null;
        try {
            HttpURLConnection connection = (HttpURLConnection) target.openConnection(Proxy.NO_PROXY);
            call.connection = connection;
            int millis = (int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis()));
            connection.setConnectTimeout(millis);
            connection.setReadTimeout(millis);
            connection.setInstanceFollowRedirects(false);
            connection.setUseCaches(false);
            connection.setRequestMethod(verb);
            boolean contentType = false;
            for (Map.Entry<String, String> h : headers.entrySet()) {
                connection.setRequestProperty(h.getKey(), h.getValue());
                contentType |= h.getKey().equalsIgnoreCase("Content-Type");
            }
            deadline = DEADLINES.schedule(call::expire, timeout.toNanos(), TimeUnit.NANOSECONDS);
            if (body.isPresent()) {
                byte[] bytes = body.get();
                if (!contentType) {
                    connection.setRequestProperty("Content-Type", "application/octet-stream");
                }
                connection.setDoOutput(true);
                connection.setFixedLengthStreamingMode(bytes.length);
                try (OutputStream out = connection.getOutputStream()) {
                    out.write(bytes);
                }
            }
            int status = connection.getResponseCode();
            call.status = status;
            Body read = read(connection, status);
            deadline.cancel(false);
            if (call.expired) {
                connection.disconnect();
                return new Outcome.Failed(Kind.TIMEOUT, noResponseDetail(call.status), Durations.since(start));
            }
            if (read.truncated()) {
                connection.disconnect(); // not back to the keep-alive cache with unread bytes in it
            }
            return new Outcome.Answered(status, read.bytes(), read.truncated(), Durations.since(start),
                    Optional.ofNullable(connection.getHeaderField("Location")));
        } catch (IOException e) {
            if (call.connection != null) {
                call.connection.disconnect();
            }
            return fromError(e, call, Durations.since(start));
        } finally {
            if (deadline != null) {
                deadline.cancel(false);
            }
        }
    }

    private static ScheduledThreadPoolExecutor deadlineTimer() {
        ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "glyph-http-deadline");
            t.setDaemon(true);
            return t;
        });
        timer.setRemoveOnCancelPolicy(true); // a call that finishes in time leaves nothing queued
        return timer;
    }

    /** One call's connection, what it got so far, and whether the deadline cut it off. */
    private static final class Call {
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

    private record Body(byte[] bytes, boolean truncated) {
    }

    /** At most the cap's bytes of the body (the error stream for a 4xx/5xx), then one more to tell if there was more. */
    private Body read(HttpURLConnection connection, int status) throws IOException {
        InputStream in = status >= 400 ? connection.getErrorStream() : connection.getInputStream();
        if (in == null) {
            return new Body(new byte[0], false);
        }
        long announced = connection.getContentLengthLong();
        byte[] bytes;
        if (announced >= 0 && announced <= maxBodyBytes) {
            // One array of the announced size: readNBytes(max) would gather 8 KiB chunks and copy them
            // (twice the body in garbage, which counts for a 200 KiB /metrics every second).
            bytes = new byte[(int) announced];
            int n = in.readNBytes(bytes, 0, bytes.length);
            if (n < bytes.length) {
                bytes = java.util.Arrays.copyOf(bytes, n);
            }
        } else {
            bytes = in.readNBytes(maxBodyBytes);
        }
        boolean truncated = bytes.length == maxBodyBytes && in.read() != -1;
        if (!truncated) {
            in.close(); // the whole body was read: the connection may be reused
        }
        return new Body(bytes, truncated);
    }

    private Outcome fromError(IOException cause, Call call, Duration latency) {
        if (call.expired) {
            return new Outcome.Failed(Kind.TIMEOUT, noResponseDetail(call.status), latency);
        }
        if (cause instanceof SocketTimeoutException) {
            // The JDK's message tells which step: "connect timed out" or "Read timed out".
            if (String.valueOf(cause.getMessage()).toLowerCase(Locale.ROOT).startsWith("connect")) {
                return new Outcome.Failed(Kind.TIMEOUT,
                        "no connection to " + authority() + " within " + Durations.human(timeout), latency);
            }
            return new Outcome.Failed(Kind.TIMEOUT, noResponseDetail(call.status), latency);
        }
        if (cause instanceof ConnectException) {
            return new Outcome.Failed(Kind.REFUSED, "connection refused: " + authority(), latency);
        }
        return new Outcome.Failed(Kind.IO, "request to " + url + " failed: " + cause, latency);
    }

    private String noResponseDetail(int headersStatus) {
        if (headersStatus >= 0) {
            return "status " + headersStatus + " but body not complete within " + Durations.human(timeout);
        }
        return "no response within " + Durations.human(timeout);
    }
}
