package dev.glyphsupervisor.probes.progress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Scrapes a real JDK HttpServer that answers like inference servers do, and some that misbehave. */
@Timeout(60)
class ProgressScraperTest {

    static {
        System.setProperty("sun.net.httpserver.nodelay", "true");
    }

    /** For scrapes expected to get an answer: the first exchange in a cold JVM can take a while. */
    private static final Duration ROOMY = Duration.ofSeconds(20);
    private static final Duration SHORT = Duration.ofMillis(400);
    /** Generous slack over the timeout for "it returned": scheduling on a loaded 2-core machine. */
    private static final Duration SLACK = Duration.ofSeconds(5);

    private HttpServer server;
    private ExecutorService threads;
    private final CountDownLatch release = new CountDownLatch(1);
    private final AtomicReference<String> accept = new AtomicReference<>();
    private final Set<Integer> clientPorts = ConcurrentHashMap.newKeySet();

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
        threads = Executors.newCachedThreadPool();
        server.setExecutor(threads);
        server.createContext("/vllm", ex -> {
            accept.set(ex.getRequestHeaders().getFirst("Accept"));
            clientPorts.add(ex.getRemoteAddress().getPort());
            respond(ex, 200, VllmExposition.text(2, 5));
        });
        server.createContext("/llamacpp", ex -> respond(ex, 200, """
                # HELP llamacpp:n_decode_total Total number of llama_decode() calls
                # TYPE llamacpp:n_decode_total counter
                llamacpp:n_decode_total 332
                # HELP llamacpp:requests_processing Number of requests processing.
                # TYPE llamacpp:requests_processing gauge
                llamacpp:requests_processing 1
                # HELP llamacpp:requests_deferred Number of requests deferred.
                # TYPE llamacpp:requests_deferred gauge
                llamacpp:requests_deferred 2
                """));
        server.createContext("/404", ex -> respond(ex, 404, "Not Found"));
        server.createContext("/500", ex -> respond(ex, 500, "Internal Server Error: engine dead"));
        server.createContext("/garbage", ex -> respond(ex, 200, "vllm:num_requests_running 1\n<html>oops</html>\n"));
        server.createContext("/hang", ex -> {
            awaitRelease();
            respond(ex, 200, "late 1\n");
        });
        server.start();
    }

    @AfterEach
    void stop() {
        release.countDown();
        server.stop(0);
        threads.shutdownNow();
    }

    @Test
    void sumsPendingAndProgressOverLabelSets() {
        ProgressScraper scraper = new ProgressScraper(url("/vllm"), ROOMY, Engine.VLLM.metrics());
        Scrape.Sample sample = assertInstanceOf(Scrape.Sample.class, scraper.scrape());
        assertEquals(VllmExposition.expectedPending(2), sample.pending());
        assertEquals(VllmExposition.expectedProgress(2, 5), sample.progress());
        assertTrue(sample.series() >= 400, "series " + sample.series());
        assertTrue(!sample.latency().isNegative());
    }

    @Test
    void asksForTheClassicTextFormat() {
        new ProgressScraper(url("/vllm"), ROOMY, Engine.VLLM.metrics()).scrape();
        assertEquals("text/plain; version=0.0.4", accept.get());
    }

    @Test
    void llamaCppPreset() {
        Scrape.Sample sample = assertInstanceOf(Scrape.Sample.class,
                new ProgressScraper(url("/llamacpp"), ROOMY, Engine.LLAMA_CPP.metrics()).scrape());
        assertEquals(3.0, sample.pending());
        assertEquals(332.0, sample.progress());
        assertEquals(3, sample.series());
    }

    @Test
    void notFoundIsHttpStatus() {
        Scrape.Failed failed = assertInstanceOf(Scrape.Failed.class,
                new ProgressScraper(url("/404"), ROOMY, Engine.VLLM.metrics()).scrape());
        assertEquals(Scrape.Failure.HTTP_STATUS, failed.failure());
        assertTrue(failed.detail().startsWith("status 404 from " + url("/404") + " (no /metrics here: is this vLLM"),
                failed.detail());
    }

    @Test
    void serverErrorIsHttpStatusWithTheBody() {
        Scrape.Failed failed = assertInstanceOf(Scrape.Failed.class,
                new ProgressScraper(url("/500"), ROOMY, Engine.VLLM.metrics()).scrape());
        assertEquals(Scrape.Failure.HTTP_STATUS, failed.failure());
        assertEquals("status 500 from " + url("/500") + "; body: \"Internal Server Error: engine dead\"", failed.detail());
    }

    @Test
    void serverThatNeverAnswersIsTimeoutWithinTheTimeout() {
        long start = System.nanoTime();
        Scrape.Failed failed = assertInstanceOf(Scrape.Failed.class,
                new ProgressScraper(url("/hang"), SHORT, Engine.VLLM.metrics()).scrape());
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        assertEquals(Scrape.Failure.TIMEOUT, failed.failure());
        assertEquals("no response within 400ms (" + url("/hang") + ")", failed.detail());
        assertTrue(took.compareTo(SHORT) >= 0, "took " + took);
        assertTrue(took.compareTo(SHORT.plus(SLACK)) < 0, "took " + took);
    }

    @Test
    void acceptedButNeverAnsweredConnectionIsTimeout() throws IOException {
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            // The kernel completes the handshake from the backlog; nobody ever reads or writes.
            long start = System.nanoTime();
            Scrape.Failed failed = assertInstanceOf(Scrape.Failed.class, new ProgressScraper(
                    URI.create("http://127.0.0.1:" + silent.getLocalPort() + "/metrics"), SHORT, Engine.VLLM.metrics()).scrape());
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            assertEquals(Scrape.Failure.TIMEOUT, failed.failure());
            assertTrue(took.compareTo(SHORT.plus(SLACK)) < 0, "took " + took);
        }
    }

    @Test
    void closedPortIsRefused() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        URI url = URI.create("http://127.0.0.1:" + port + "/metrics");
        Scrape.Failed failed = assertInstanceOf(Scrape.Failed.class,
                new ProgressScraper(url, ROOMY, Engine.VLLM.metrics()).scrape());
        assertEquals(Scrape.Failure.REFUSED, failed.failure());
        assertEquals("connection refused: 127.0.0.1:" + port + " (" + url + ")", failed.detail());
    }

    @Test
    void missingProgressMetricIsNamed() {
        // llama.cpp's text scraped with the vLLM preset: nothing of vLLM's is there.
        Scrape.Failed failed = assertInstanceOf(Scrape.Failed.class,
                new ProgressScraper(url("/llamacpp"), ROOMY, Engine.VLLM.metrics()).scrape());
        assertEquals(Scrape.Failure.MISSING_METRIC, failed.failure());
        assertEquals("no series named vllm:num_requests_running in " + url("/llamacpp")
                + " (3 series): is this vLLM, with its /metrics on (the OpenAI server serves it by default)?", failed.detail());

        ProgressMetrics custom = new ProgressMetrics(List.of("llamacpp:requests_processing"), "llamacpp:tokens_predicted_total");
        Scrape.Failed progress = assertInstanceOf(Scrape.Failed.class, new ProgressScraper(url("/llamacpp"), ROOMY, custom).scrape());
        assertEquals(Scrape.Failure.MISSING_METRIC, progress.failure());
        assertTrue(progress.detail().startsWith("no series named llamacpp:tokens_predicted_total in " + url("/llamacpp")
                + " (3 series): are the metric names configured"), progress.detail());
    }

    @Test
    void garbageIsMalformedWithTheLine() {
        Scrape.Failed failed = assertInstanceOf(Scrape.Failed.class,
                new ProgressScraper(url("/garbage"), ROOMY, Engine.VLLM.metrics()).scrape());
        assertEquals(Scrape.Failure.MALFORMED, failed.failure());
        assertTrue(failed.detail().startsWith("not Prometheus text from " + url("/garbage") + ": line 2: expected a metric name"),
                failed.detail());
        assertTrue(failed.detail().indexOf('\n') < 0, failed.detail());
    }

    @Test
    void manyScrapesReuseOneConnection() {
        ProgressScraper scraper = new ProgressScraper(url("/vllm"), ROOMY, Engine.VLLM.metrics());
        for (int i = 0; i < 50; i++) {
            assertInstanceOf(Scrape.Sample.class, scraper.scrape());
        }
        assertTrue(clientPorts.size() <= 3, "connections used: " + clientPorts.size());
    }

    private URI url(String path) {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
    }

    private void awaitRelease() {
        try {
            release.await(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static void respond(HttpExchange ex, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
        ex.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }
}
