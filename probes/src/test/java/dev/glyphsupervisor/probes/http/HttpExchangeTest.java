package dev.glyphsupervisor.probes.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.glyphsupervisor.probes.http.HttpExchange.Outcome;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The exchange itself, against a real JDK HttpServer; the health probe's tests cover the timeouts in depth. */
@Timeout(60)
class HttpExchangeTest {

    static {
        System.setProperty("sun.net.httpserver.nodelay", "true");
    }

    private static final Duration ROOMY = Duration.ofSeconds(20);

    private HttpServer server;
    private ExecutorService threads;
    private final AtomicReference<String> seen = new AtomicReference<>();

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
        threads = Executors.newCachedThreadPool();
        server.setExecutor(threads);
        server.createContext("/echo", ex -> {
            byte[] in = ex.getRequestBody().readAllBytes();
            seen.set(ex.getRequestMethod() + " " + ex.getRequestHeaders().getFirst("X-Probe") + " "
                    + ex.getRequestHeaders().getFirst("Content-Type"));
            ex.sendResponseHeaders(201, in.length == 0 ? -1 : in.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(in);
            }
        });
        server.createContext("/big", ex -> {
            byte[] body = new byte[10_000];
            ex.sendResponseHeaders(200, body.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        });
        server.createContext("/chunked", ex -> {
            ex.sendResponseHeaders(200, 0); // no Content-Length: chunked
            try (OutputStream out = ex.getResponseBody()) {
                for (int i = 0; i < 10; i++) {
                    out.write(new byte[1000]);
                    out.flush();
                }
            }
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
        threads.shutdownNow();
    }

    @Test
    void postSendsBodyAndHeadersAndReturnsTheAnswer() {
        HttpExchange exchange = new HttpExchange(url("/echo"), ROOMY, 1024);
        byte[] body = "{\"a\":1}".getBytes(StandardCharsets.UTF_8);
        Outcome.Answered answered = assertInstanceOf(Outcome.Answered.class,
                exchange.send("post", Map.of("X-Probe", "yes"), Optional.of(body)));
        assertEquals(201, answered.status());
        assertArrayEquals(body, answered.body());
        assertFalse(answered.truncated());
        assertEquals("POST yes application/octet-stream", seen.get());
    }

    @Test
    void getWithoutBody() {
        Outcome.Answered answered = assertInstanceOf(Outcome.Answered.class,
                new HttpExchange(url("/echo"), ROOMY, 1024).get(Map.of("X-Probe", "g")));
        assertEquals(201, answered.status());
        assertEquals(0, answered.body().length);
        assertEquals("GET g null", seen.get());
    }

    @Test
    void bodyOverTheCapIsCutAndSaysSo() {
        Outcome.Answered answered = assertInstanceOf(Outcome.Answered.class,
                new HttpExchange(url("/big"), ROOMY, 4096).get(Map.of()));
        assertEquals(4096, answered.body().length);
        assertTrue(answered.truncated());
        Outcome.Answered whole = assertInstanceOf(Outcome.Answered.class,
                new HttpExchange(url("/big"), ROOMY, 10_000).get(Map.of()));
        assertEquals(10_000, whole.body().length);
        assertFalse(whole.truncated());
    }

    @Test
    void chunkedBodyWithoutContentLengthIsCappedToo() {
        Outcome.Answered cut = assertInstanceOf(Outcome.Answered.class,
                new HttpExchange(url("/chunked"), ROOMY, 4096).get(Map.of()));
        assertEquals(4096, cut.body().length);
        assertTrue(cut.truncated());
        Outcome.Answered whole = assertInstanceOf(Outcome.Answered.class,
                new HttpExchange(url("/chunked"), ROOMY, 20_000).get(Map.of()));
        assertEquals(10_000, whole.body().length);
        assertFalse(whole.truncated());
    }

    @Test
    void refusedTimeoutAndBrokenAreTyped() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Outcome.Failed refused = assertInstanceOf(Outcome.Failed.class,
                new HttpExchange(URI.create("http://127.0.0.1:" + port + "/"), ROOMY, 1024).get(Map.of()));
        assertEquals(HttpExchange.Kind.REFUSED, refused.kind());

        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Outcome.Failed timeout = assertInstanceOf(Outcome.Failed.class, new HttpExchange(
                    URI.create("http://127.0.0.1:" + silent.getLocalPort() + "/"), Duration.ofMillis(300), 1024).get(Map.of()));
            assertEquals(HttpExchange.Kind.TIMEOUT, timeout.kind());
            assertEquals("no response within 300ms", timeout.detail());
        }

        try (ServerSocket rude = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            // Hangs up on every request without a word. The JDK retries a GET once on a new connection
            // when a server closes without an answer, so it hangs up twice.
            Thread closer = new Thread(() -> {
                for (int i = 0; i < 2; i++) {
                    try (Socket s = rude.accept()) {
                        s.getInputStream().read();
                    } catch (IOException ignored) {
                        // the test fails on the client side if this goes wrong
                    }
                }
            });
            closer.setDaemon(true);
            closer.start();
            Outcome.Failed io = assertInstanceOf(Outcome.Failed.class, new HttpExchange(
                    URI.create("http://127.0.0.1:" + rude.getLocalPort() + "/"), ROOMY, 1024).get(Map.of()));
            assertEquals(HttpExchange.Kind.IO, io.kind(), io.detail());
        }
    }

    @Test
    void interruptedCallerGetsInterruptedAndKeepsTheFlag() {
        Thread.currentThread().interrupt();
        try {
            Outcome.Failed failed = assertInstanceOf(Outcome.Failed.class,
                    new HttpExchange(url("/echo"), ROOMY, 1024).get(Map.of()));
            assertEquals(HttpExchange.Kind.INTERRUPTED, failed.kind());
            assertTrue(Thread.currentThread().isInterrupted());
        } finally {
            Thread.interrupted();
        }
    }

    @Test
    void rejectsWhatCannotBeSent() {
        assertThrows(IllegalArgumentException.class, () -> new HttpExchange(URI.create("ftp://x/"), ROOMY, 1));
        assertThrows(IllegalArgumentException.class, () -> new HttpExchange(url("/echo"), Duration.ZERO, 1));
        assertThrows(IllegalArgumentException.class, () -> new HttpExchange(url("/echo"), ROOMY, 0));
        HttpExchange exchange = new HttpExchange(url("/echo"), ROOMY, 1);
        assertThrows(IllegalArgumentException.class, () -> exchange.send("PATCH", Map.of(), Optional.empty()));
        assertThrows(IllegalArgumentException.class, () -> exchange.send("GET", Map.of(), Optional.of(new byte[1])));
    }

    private URI url(String path) {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
    }
}
