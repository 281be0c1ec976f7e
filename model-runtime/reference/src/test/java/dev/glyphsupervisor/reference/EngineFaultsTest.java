package dev.glyphsupervisor.reference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The engine queue, /metrics and the fault endpoints, in this JVM with the real model over real HTTP. A hang
 * is forever, so the hang test starts a server of its own; the others share one with --fault-endpoints and
 * two engine threads, and clear its faults after each test. Concurrency is proven by the metrics (how many
 * requests run at once), never by timing.
 */
class EngineFaultsTest {

    private static final Duration LOAD_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String RUNNING = EngineMetrics.RUNNING;
    private static final String WAITING = EngineMetrics.WAITING;
    private static final String STEPS = EngineMetrics.STEPS;
    private static final String REQUESTS = EngineMetrics.REQUESTS;

    private static ReferenceServer server;
    private static TestHttp http;

    @BeforeAll
    static void startServer() throws Exception {
        server = start("--port", "0", "--fault-endpoints", "--engine-threads", "2");
        http = new TestHttp(server.port());
    }

    @AfterAll
    static void stopServer() {
        server.stop();
    }

    @AfterEach
    void clearFaults() throws Exception {
        assertEquals(200, http.post("/admin/fault/clear", "").status());
    }

    private static ReferenceServer start(String... args) throws Exception {
        ReferenceServer started = ReferenceServer.start(ServerOptions.parse(args), EmbeddingCache.NONE,
                MiniLmEmbedder::load, failure -> {
                    throw new AssertionError("model failed to load", failure);
                }, System.out);
        new TestHttp(started.port()).await("/health", reply -> reply.status() == 200, LOAD_TIMEOUT);
        return started;
    }

    @Test
    void metricsArePrometheusTextWithTheSixSeries() throws Exception {
        TestHttp.Text scrape = http.text("/metrics", null);
        assertEquals(200, scrape.status());
        assertEquals("text/plain; version=0.0.4; charset=utf-8", scrape.contentType());
        List<String> lines = List.of(scrape.body().split("\n"));
        for (String typeLine : List.of("# TYPE reference_requests_running gauge",
                "# TYPE reference_requests_waiting gauge",
                "# TYPE reference_engine_steps_total counter",
                "# TYPE reference_requests_total counter",
                "# TYPE reference_embeddings_total counter",
                "# TYPE reference_tokens_total counter")) {
            assertTrue(lines.contains(typeLine), () -> typeLine + " missing in\n" + scrape.body());
        }
        assertTrue(lines.contains("reference_requests_running 0.0"), scrape.body());
        assertTrue(lines.contains("reference_requests_waiting 0.0"), scrape.body());
        for (String counter : List.of(STEPS, REQUESTS, EngineMetrics.EMBEDDINGS, EngineMetrics.TOKENS)) {
            assertTrue(lines.stream().anyMatch(line -> line.matches(counter + " \\d+\\.\\d+")),
                    () -> counter + " has no sample in\n" + scrape.body());
        }

        // The same registry in OpenMetrics when asked for it (a scraper's Accept is honoured).
        TestHttp.Text open = http.text("/metrics", "application/openmetrics-text; version=1.0.0; charset=utf-8");
        assertTrue(open.contentType().startsWith("application/openmetrics-text"), open.contentType());
        assertTrue(open.body().endsWith("# EOF\n"), open.body());
        assertTrue(open.body().contains("# TYPE reference_engine_steps counter"), open.body());
        // Protobuf is not bundled: text, as the client's own handler answers without it.
        TestHttp.Text proto = http.text("/metrics",
                "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited");
        assertEquals(scrape.contentType(), proto.contentType());
    }

    @Test
    void stepsMovePerInputAndRequestTotalsAtCompletion() throws Exception {
        Map<String, Double> before = http.metrics();
        TestHttp.Reply reply = http.post("/v1/embeddings", Map.of("input", List.of("one step", "two steps", "three")));
        assertEquals(200, reply.status());
        int tokens = reply.body().get("usage").get("total_tokens").asInt();
        Map<String, Double> after = http.metrics();
        assertEquals(3, after.get(STEPS) - before.get(STEPS));
        assertEquals(1, after.get(REQUESTS) - before.get(REQUESTS));
        assertEquals(3, after.get(EngineMetrics.EMBEDDINGS) - before.get(EngineMetrics.EMBEDDINGS));
        assertEquals(tokens, after.get(EngineMetrics.TOKENS) - before.get(EngineMetrics.TOKENS));
        assertEquals(0, after.get(RUNNING));
        assertEquals(0, after.get(WAITING));
    }

    @Test
    void twoEngineThreadsRunTwoSlowRequestsAtOnceWhileAThirdWaits() throws Exception {
        assertEquals(200, http.post("/admin/fault/slow?step_ms=200", "").status());
        Map<String, Double> before = http.metrics();
        List<String> inputs = IntStream.range(0, 10).mapToObj(i -> "slow input number " + i).toList();
        CompletableFuture<TestHttp.Reply> first = http.postAsync("/v1/embeddings", Map.of("input", inputs));
        CompletableFuture<TestHttp.Reply> second = http.postAsync("/v1/embeddings", Map.of("input", inputs));

        // Both at once, one per engine thread: running 2, nothing waiting.
        Map<String, Double> both = http.awaitMetrics(m -> m.get(RUNNING) == 2, WAIT);
        assertEquals(0, both.get(WAITING), both::toString);
        assertFalse(first.isDone() || second.isDone(), "a slow request ended before both were seen running");

        // A third finds both threads busy and waits; running never goes past the number of engine threads.
        CompletableFuture<TestHttp.Reply> third = http.postAsync("/v1/embeddings", Map.of("input", "third"));
        Map<String, Double> full = http.awaitMetrics(m -> {
            assertTrue(m.get(RUNNING) <= 2, () -> "running past --engine-threads 2: " + m);
            return m.get(WAITING) == 1;
        }, WAIT);
        assertEquals(2, full.get(RUNNING), full::toString);
        assertEquals(before.get(REQUESTS), full.get(REQUESTS), "request-end total moved mid-request");
        assertFalse(first.isDone() || second.isDone(), "a slow request ended before the third was seen waiting");

        for (CompletableFuture<TestHttp.Reply> request : List.of(first, second, third)) {
            TestHttp.Reply done = request.get(60, TimeUnit.SECONDS);
            assertEquals(200, done.status(), done.body()::toString);
        }
        assertEquals(10, first.get().body().get("data").size());
        assertEquals(10, second.get().body().get("data").size());
        Map<String, Double> after = http.metrics();
        assertEquals(21, after.get(STEPS) - before.get(STEPS), "one step per input, on whichever thread ran it");
        assertEquals(3, after.get(REQUESTS) - before.get(REQUESTS));
        assertEquals(21, after.get(EngineMetrics.EMBEDDINGS) - before.get(EngineMetrics.EMBEDDINGS));
        assertEquals(0, after.get(RUNNING));
        assertEquals(0, after.get(WAITING));
    }

    @Test
    void oneEngineThreadMakesALongRequestWhoseStepsMoveWhileItsTotalsStayFlat() throws Exception {
        ReferenceServer single = start("--port", "0", "--fault-endpoints", "--engine-threads", "1");
        try {
            TestHttp client = new TestHttp(single.port());
            TestHttp.Reply slow = client.post("/admin/fault/slow?step_ms=100", "");
            assertEquals(200, slow.status(), slow.body()::toString);
            assertEquals(100, slow.body().get("step_ms").asInt());
            assertEquals("off", slow.body().get("hang").asText());

            Map<String, Double> before = client.metrics();
            List<String> inputs = IntStream.range(0, 10).mapToObj(i -> "slow input number " + i).toList();
            long start = System.nanoTime();
            CompletableFuture<TestHttp.Reply> longRequest = client.postAsync("/v1/embeddings", Map.of("input", inputs));
            client.awaitMetrics(m -> m.get(RUNNING) == 1, WAIT); // the long one has the engine; the next one queues
            CompletableFuture<TestHttp.Reply> queued = client.postAsync("/v1/embeddings", Map.of("input", "queued behind"));

            // While the long request runs: running 1, the second one waiting, steps moving, request-end totals flat.
            Map<String, Double> during = client.awaitMetrics(m -> m.get(RUNNING) == 1 && m.get(WAITING) == 1
                    && m.get(STEPS) - before.get(STEPS) >= 2, WAIT);
            assertEquals(before.get(REQUESTS), during.get(REQUESTS), "request-end total moved mid-request");
            assertEquals(before.get(EngineMetrics.EMBEDDINGS), during.get(EngineMetrics.EMBEDDINGS));
            Map<String, Double> later = client.awaitMetrics(m -> m.get(STEPS) - during.get(STEPS) >= 2, WAIT);
            assertFalse(longRequest.isDone(), "the long request ended before its steps were seen moving");
            assertEquals(before.get(REQUESTS), later.get(REQUESTS), "request-end total moved mid-request");
            assertEquals(1, later.get(RUNNING), "a second request ran beside the first on one engine thread");

            TestHttp.Reply done = longRequest.get(60, TimeUnit.SECONDS);
            double seconds = (System.nanoTime() - start) / 1e9;
            assertEquals(200, done.status(), done.body()::toString);
            assertEquals(10, done.body().get("data").size());
            assertTrue(seconds >= 1.0, "10 inputs at step_ms=100 took only " + seconds + " s");
            assertEquals(200, queued.get(60, TimeUnit.SECONDS).status());
            Map<String, Double> after = client.metrics();
            assertEquals(11, after.get(STEPS) - before.get(STEPS));
            assertEquals(2, after.get(REQUESTS) - before.get(REQUESTS));
        } finally {
            single.stop();
        }
    }

    @Test
    void anErrorFaultAnswers500UntilCleared() throws Exception {
        TestHttp.Reply error = http.post("/admin/fault/error", "");
        assertEquals(200, error.status());
        assertTrue(error.body().get("error").asBoolean(), error.body()::toString);
        Map<String, Double> before = http.metrics();

        TestHttp.Reply failed = http.post("/v1/embeddings", Map.of("input", "fails"));
        assertEquals(500, failed.status(), failed.body()::toString);
        assertEquals("engine_error", failed.body().get("error").get("type").asText());
        assertTrue(failed.body().get("error").get("message").asText().contains("injected fault"), failed.body()::toString);
        assertEquals(200, http.get("/health").status());
        assertEquals(before.get(REQUESTS), http.metrics().get(REQUESTS), "a failed request counted as completed");

        TestHttp.Reply clear = http.post("/admin/fault/clear", "");
        assertEquals(200, clear.status());
        assertFalse(clear.body().get("error").asBoolean());
        assertEquals(200, http.post("/v1/embeddings", Map.of("input", "works again")).status());
    }

    @Test
    void faultRequestsAreChecked() throws Exception {
        for (String bad : List.of("", "?step_ms=", "?step_ms=soon", "?step_ms=-1", "?step_ms=600001")) {
            TestHttp.Reply reply = http.post("/admin/fault/slow" + bad, "");
            assertEquals(400, reply.status(), () -> bad + " -> " + reply.body());
            assertTrue(reply.body().get("error").get("message").asText().startsWith("step_ms"), reply.body()::toString);
        }
        TestHttp.Reply get = http.get("/admin/fault/hang");
        assertEquals(405, get.status());
        assertEquals(404, http.post("/admin/fault/explode", "").status());
        assertEquals("off", http.post("/admin/fault/clear", "").body().get("hang").asText());
    }

    @Test
    void faultEndpointsAreOffWithoutTheFlag() throws Exception {
        ReferenceServer plain = start("--port", "0");
        try {
            TestHttp client = new TestHttp(plain.port());
            for (String path : List.of("/admin/fault/hang", "/admin/fault/error", "/admin/fault/slow?step_ms=5",
                    "/admin/fault/clear", "/admin/fault/anything")) {
                TestHttp.Reply reply = client.post(path, "");
                assertEquals(404, reply.status(), path);
                assertEquals(FaultEndpoints.OFF_MESSAGE, reply.body().get("error").get("message").asText());
                assertTrue(reply.body().get("error").get("message").asText().contains("--fault-endpoints"));
            }
            assertEquals(404, client.get("/admin/fault/hang").status());
            // Nothing changed: the engine still steps and answers.
            Map<String, Double> before = client.metrics();
            assertEquals(200, client.post("/v1/embeddings", Map.of("input", List.of("a", "b"))).status());
            assertEquals(2, client.metrics().get(STEPS) - before.get(STEPS));
        } finally {
            plain.stop();
        }
    }

    @Test
    void aHangStopsEveryEngineThreadWhileHealthAndMetricsAnswer() throws Exception {
        ReferenceServer hung = start("--port", "0", "--fault-endpoints", "--max-waiting", "8", "--threads", "2",
                "--engine-threads", "2");
        TestHttp client = new TestHttp(hung.port());
        List<CompletableFuture<TestHttp.Reply>> blocked = new ArrayList<>();
        try {
            assertEquals(200, client.post("/v1/embeddings", Map.of("input", "before the hang")).status());

            // Two long requests stepping on both engine threads when the hang comes.
            assertEquals(200, client.post("/admin/fault/slow?step_ms=100", "").status());
            List<String> inputs = IntStream.range(0, 100).mapToObj(i -> "held input " + i).toList();
            blocked.add(client.postAsync("/v1/embeddings", Map.of("input", inputs)));
            blocked.add(client.postAsync("/v1/embeddings", Map.of("input", inputs)));
            Map<String, Double> stepping = client.awaitMetrics(m -> m.get(RUNNING) == 2, WAIT);
            client.awaitMetrics(m -> m.get(STEPS) - stepping.get(STEPS) >= 2, WAIT);

            TestHttp.Reply armed = client.post("/admin/fault/hang", "");
            assertEquals(200, armed.status());
            double armedAt = client.metrics().get(STEPS);
            // Each thread may finish the step it is in; then both block at their next one and steps stop.
            Map<String, Double> before = awaitStepsFlat(client, Duration.ofMillis(1_000));
            assertTrue(before.get(STEPS) - armedAt <= 2, "more than one step per engine thread after the hang: "
                    + (before.get(STEPS) - armedAt));
            assertEquals(2, before.get(RUNNING), before::toString);
            TestHttp.Reply cleared = client.post("/admin/fault/clear", "");
            assertEquals("hung", cleared.body().get("hang").asText(), "clear must not un-hang the engine");
            assertEquals(0, cleared.body().get("step_ms").asInt());

            // Clients keep sending: each waits in the queue, up to --max-waiting; one more is refused at once.
            for (int i = 0; i < 8; i++) {
                blocked.add(client.postAsync("/v1/embeddings", Map.of("input", "waiting " + i)));
            }
            Map<String, Double> queued = client.awaitMetrics(m -> m.get(WAITING) == 8, WAIT);
            assertEquals(2, queued.get(RUNNING), "running: the two held requests");
            assertEquals(before.get(STEPS), queued.get(STEPS), "steps moved on a hung engine");
            assertEquals(before.get(REQUESTS), queued.get(REQUESTS));
            TestHttp.Reply refused = client.post("/v1/embeddings", Map.of("input", "one too many"));
            assertEquals(503, refused.status());
            assertEquals("overloaded", refused.body().get("error").get("type").asText());

            // 10 requests held by the engine on 2 HTTP threads: /health and /metrics still answer promptly.
            for (int i = 0; i < 5; i++) {
                long start = System.nanoTime();
                assertEquals(200, client.get("/health").status());
                Map<String, Double> now = client.metrics();
                double seconds = (System.nanoTime() - start) / 1e9;
                assertTrue(seconds < 2.0, "/health + /metrics took " + seconds + " s under the hang");
                assertEquals(before.get(STEPS), now.get(STEPS));
                assertEquals(2, now.get(RUNNING));
                assertEquals(8, now.get(WAITING));
            }
            assertTrue(blocked.stream().noneMatch(CompletableFuture::isDone), "a request was answered by a hung engine");
        } finally {
            long start = System.nanoTime();
            hung.stop();
            double seconds = (System.nanoTime() - start) / 1e9;
            assertTrue(seconds < ReferenceServer.STOP_GRACE.toSeconds(), "stop waited " + seconds + " s for a hung engine");
        }
        // The stop answered every held client (503) and let both engine threads go.
        assertEquals(10, blocked.size());
        for (CompletableFuture<TestHttp.Reply> request : blocked) {
            assertEquals(503, request.get(30, TimeUnit.SECONDS).status());
        }
        awaitThreadGone("engine-" + hung.port() + "-1");
        awaitThreadGone("engine-" + hung.port() + "-2");
    }

    /** Scrapes until the step counter has not moved for {@code quiet}; returns the last scrape. */
    private static Map<String, Double> awaitStepsFlat(TestHttp client, Duration quiet) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        Map<String, Double> last = client.metrics();
        long since = System.nanoTime();
        while (System.nanoTime() - since < quiet.toNanos()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("steps still moving " + WAIT + " after the hang: " + last);
            }
            Thread.sleep(50);
            Map<String, Double> now = client.metrics();
            if (!now.get(STEPS).equals(last.get(STEPS))) {
                since = System.nanoTime();
            }
            last = now;
        }
        return last;
    }

    private static void awaitThreadGone(String name) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().equals(name) && t.isAlive())) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("thread " + name + " still alive after stop");
            }
            Thread.sleep(20);
        }
    }
}
