package dev.glyphsupervisor.probes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Runs the probe against real sockets: a JDK HttpServer and raw ServerSockets that misbehave. */
@Timeout(60)
class HttpHealthProbeTest {

    static {
        // The JDK server leaves Nagle on; with the client's delayed ACK every keep-alive exchange would
        // then cost ~40 ms, which makes the many-checks test slow without testing anything of ours.
        System.setProperty("sun.net.httpserver.nodelay", "true");
    }

    /** For checks expected to time out. */
    private static final Duration SHORT = Duration.ofMillis(300);
    /** For checks expected to get an answer: the first exchange in a cold JVM can take over a second. */
    private static final Duration ROOMY = Duration.ofSeconds(20);
    /** Generous bound for "it returned, it did not hang": the probe's timeout plus scheduling noise. */
    private static final Duration RETURNS_WITHIN = Duration.ofSeconds(10);

    private HttpServer server;
    private ExecutorService serverThreads;
    private final CountDownLatch release = new CountDownLatch(1);
    private final Set<Integer> clientPorts = ConcurrentHashMap.newKeySet();

    @BeforeEach
    void startServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
        serverThreads = Executors.newCachedThreadPool();
        server.setExecutor(serverThreads);
        server.createContext("/ok", ex -> {
            clientPorts.add(ex.getRemoteAddress().getPort());
            respond(ex, 200, "{\"status\": \"ok\"}");
        });
        server.createContext("/fail", ex -> respond(ex, 500, "CUDA out of memory\n\ttried to allocate 2.00 GiB"));
        server.createContext("/slow", ex -> {
            awaitRelease();
            respond(ex, 200, "late");
        });
        server.createContext("/redirect", ex -> {
            ex.getResponseHeaders().add("Location", "/ok");
            respond(ex, 302, "");
        });
        server.createContext("/big", ex -> respond(ex, 200, "x".repeat(1 << 20) + "ok"));
        server.createContext("/stall-body", ex -> {
            ex.sendResponseHeaders(200, 100);
            OutputStream out = ex.getResponseBody();
            out.write("0123456789".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            awaitRelease();
            ex.close();
        });
        server.start();
    }

    @AfterEach
    void stopServer() {
        release.countDown();
        server.stop(0);
        serverThreads.shutdownNow();
    }

    @Test
    void expectedStatusIsSuccess() {
        ProbeResult result = probe("/ok", null).check();
        assertEquals(ProbeStatus.SUCCESS, result.status(), result.detail());
        assertEquals("http", result.probe());
        assertEquals("status 200", result.detail());
        assertTrue(!result.latency().isNegative());
    }

    @Test
    void otherStatusIsFailureWithSanitizedBodyExcerpt() {
        ProbeResult result = probe("/fail", null).check();
        assertEquals(ProbeStatus.FAILURE, result.status());
        assertTrue(result.detail().startsWith("status 500 (expected 200)"), result.detail());
        assertTrue(result.detail().contains("\"CUDA out of memory tried to allocate 2.00 GiB\""), result.detail());
    }

    @Test
    void bodyMatchIsSuccess() {
        ProbeResult result = probe("/ok", "\"ok\"").check();
        assertEquals(ProbeStatus.SUCCESS, result.status(), result.detail());
    }

    @Test
    void bodyMismatchNamesExpectationAndExcerpt() {
        ProbeResult result = probe("/ok", "ready").check();
        assertEquals(ProbeStatus.FAILURE, result.status());
        assertEquals("body does not contain \"ready\"; body: \"{'status': 'ok'}\"", result.detail());
    }

    @Test
    void onlyTheFirst64KiBOfTheBodyAreRead() {
        ProbeResult result = probe("/big", "ok").check();
        assertEquals(ProbeStatus.FAILURE, result.status());
        assertTrue(result.detail().contains("in the first 65536 bytes"), result.detail());
        String excerpt = result.detail().substring(result.detail().indexOf("body: ") + "body: ".length());
        assertTrue(excerpt.length() <= 200, excerpt);
    }

    @Test
    void redirectIsNotFollowedAndSaysSo() {
        ProbeResult result = probe("/redirect", null).check();
        assertEquals(ProbeStatus.FAILURE, result.status());
        assertEquals("status 302 (expected 200); redirect to /ok not followed", result.detail());
    }

    @Test
    void slowServerIsFailureAfterTimeout() {
        ProbeResult result = timed(probe("/slow", null, SHORT));
        assertEquals(ProbeStatus.FAILURE, result.status());
        assertEquals("no response within 300ms", result.detail());
    }

    @Test
    void stalledBodyIsFailureAfterTimeout() {
        // The headers must arrive before the timeout, so warm the JVM's HTTP classes and allow a second.
        probe("/ok", null).check();
        ProbeResult result = timed(probe("/stall-body", null, Duration.ofSeconds(1)));
        assertEquals(ProbeStatus.FAILURE, result.status());
        assertEquals("status 200 but body not complete within 1s", result.detail());
    }

    @Test
    void refusedPortIsFailure() throws IOException {
        int port = closedPort();
        ProbeResult result = new HttpHealthProbe(URI.create("http://127.0.0.1:" + port + "/health"), ROOMY, 200, null)
                .check();
        assertEquals(ProbeStatus.FAILURE, result.status());
        assertEquals("connection refused: 127.0.0.1:" + port, result.detail());
    }

    /** A SIGSTOPped server: the kernel accepts the connection into the backlog, nobody ever reads it. */
    @Test
    void connectionAcceptedButNeverAnsweredIsFailureAfterTimeout() throws IOException {
        try (ServerSocket backlogOnly = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            URI url = URI.create("http://127.0.0.1:" + backlogOnly.getLocalPort() + "/health");
            ProbeResult result = timed(new HttpHealthProbe(url, SHORT, 200, null));
            assertEquals(ProbeStatus.FAILURE, result.status());
            assertEquals("no response within 300ms", result.detail());
        }
    }

    @Test
    void interruptedCallerGetsUnknownAndKeepsItsInterrupt() {
        Thread.currentThread().interrupt();
        try {
            ProbeResult result = probe("/slow", null).check();
            assertEquals(ProbeStatus.UNKNOWN, result.status());
            assertTrue(Thread.currentThread().isInterrupted());
        } finally {
            Thread.interrupted();
        }
    }

    /** Thousands of checks reuse a few keep-alive connections and do not pile up threads. */
    @Test
    void manyChecksReuseConnectionsAndThreads() {
        HttpHealthProbe probe = probe("/ok", "ok");
        probe.check();
        int threadsBefore = Thread.activeCount();
        for (int i = 0; i < 2000; i++) {
            ProbeResult result = probe.check();
            assertEquals(ProbeStatus.SUCCESS, result.status(), result.detail());
        }
        assertTrue(clientPorts.size() <= 3, "connections used: " + clientPorts.size());
        assertTrue(Thread.activeCount() <= threadsBefore + 5,
                "threads grew from " + threadsBefore + " to " + Thread.activeCount());
    }

    /** A check that times out closes its connection instead of leaving it open or pooled. */
    @Test
    void timedOutChecksCloseTheirConnections() throws Exception {
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            AtomicInteger accepted = new AtomicInteger();
            AtomicInteger closedByClient = new AtomicInteger();
            List<Socket> sockets = new ArrayList<>();
            Thread acceptor = new Thread(() -> acceptAndWatchForEof(silent, accepted, closedByClient, sockets));
            acceptor.setDaemon(true);
            acceptor.start();

            HttpHealthProbe probe = new HttpHealthProbe(
                    URI.create("http://127.0.0.1:" + silent.getLocalPort() + "/health"), SHORT, 200, null);
            int checks = 5;
            for (int i = 0; i < checks; i++) {
                assertEquals(ProbeStatus.FAILURE, probe.check().status());
            }
            awaitTrue(() -> closedByClient.get() == checks, Duration.ofSeconds(10),
                    () -> "accepted " + accepted.get() + ", closed by the probe " + closedByClient.get());
            synchronized (sockets) {
                for (Socket s : sockets) {
                    s.close();
                }
            }
        }
    }

    private static void acceptAndWatchForEof(ServerSocket server, AtomicInteger accepted, AtomicInteger closed,
                                             List<Socket> sockets) {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                accepted.incrementAndGet();
                synchronized (sockets) {
                    sockets.add(s);
                }
                Thread reader = new Thread(() -> {
                    try (InputStream in = s.getInputStream()) {
                        while (in.read() != -1) {
                            // Swallow the request and never answer, like a stopped server would.
                        }
                        closed.incrementAndGet();
                    } catch (IOException e) {
                        closed.incrementAndGet();
                    }
                });
                reader.setDaemon(true);
                reader.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private HttpHealthProbe probe(String path, String expectBody) {
        return probe(path, expectBody, ROOMY);
    }

    private HttpHealthProbe probe(String path, String expectBody, Duration timeout) {
        URI url = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
        return new HttpHealthProbe(url, timeout, 200, expectBody);
    }

    private static ProbeResult timed(Probe probe) {
        long start = System.nanoTime();
        ProbeResult result = probe.check();
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        assertTrue(took.compareTo(RETURNS_WITHIN) < 0, "probe took " + took);
        return result;
    }

    private void awaitRelease() {
        try {
            release.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void respond(HttpExchange ex, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    static int closedPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    static void awaitTrue(BooleanSupplier condition, Duration within, Supplier<String> what) {
        long deadline = System.nanoTime() + within.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("condition not met within " + within + ": " + what.get());
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
        }
    }
}
