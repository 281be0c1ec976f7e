package dev.glyphsupervisor.reference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SearchFront in this JVM against the real reference runtime (the real model, loaded once and shared by
 * the runtimes the tests start and stop), both spoken to over real HTTP.
 */
class SearchFrontTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @TempDir
    Path work;

    private static Embedder model;
    private static ReferenceServer sharedRuntime;

    @BeforeAll
    static void loadTheModelOnce() throws Exception {
        model = MiniLmEmbedder.load();
        sharedRuntime = runtime(0);
        new TestHttp(sharedRuntime.port()).await("/health", reply -> reply.status() == 200, TIMEOUT);
    }

    @AfterAll
    static void stopSharedRuntime() {
        sharedRuntime.stop();
    }

    private static ReferenceServer runtime(int port) throws Exception {
        return ReferenceServer.start(ServerOptions.parse("--port", Integer.toString(port)), EmbeddingCache.NONE,
                () -> model, failure -> {
                    throw new AssertionError("model failed to load", failure);
                }, System.out);
    }

    private static SearchFront front(int runtimePort, String... more) throws Exception {
        List<String> args = new java.util.ArrayList<>(List.of("--port", "0", "--timeout", "5s",
                "--embeddings", "http://127.0.0.1:" + runtimePort));
        args.addAll(List.of(more));
        SearchOptions options = SearchOptions.parse(args.toArray(String[]::new));
        List<String> corpus = options.corpus().isPresent() ? Corpus.read(options.corpus().get()) : Corpus.BUILT_IN;
        return SearchFront.start(options, corpus, System.out);
    }

    /** A port nothing listens on (yet): bound and released, for a runtime that starts later. */
    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static String q(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8);
    }

    @Test
    void healthIs503UntilTheRuntimeIsUpThenSearchRanksTheMatchingSentenceFirst() throws Exception {
        int runtimePort = freePort();
        SearchFront front = front(runtimePort);
        ReferenceServer runtime = null;
        try {
            TestHttp http = new TestHttp(front.port());
            TestHttp.Reply down = http.await("/health", reply -> reply.status() == 503
                    && reply.body().get("reason").asText().contains("not reachable"), TIMEOUT);
            assertEquals("starting", down.body().get("status").asText());
            assertEquals("embeddings not reachable: connection refused", down.body().get("reason").asText());
            TestHttp.Reply early = http.get("/search?q=gpu");
            assertEquals(503, early.status(), early.body()::toString);
            assertEquals("unavailable", early.body().get("error").get("type").asText());

            runtime = runtime(runtimePort);
            TestHttp.Reply up = http.await("/health", reply -> reply.status() == 200, TIMEOUT);
            assertEquals("ok", up.body().get("status").asText());
            assertEquals(12, up.body().get("corpus").asInt());
            assertEquals(384, up.body().get("dimension").asInt());

            TestHttp.Reply gpu = http.get("/search?q=" + q("GPU memory") + "&k=3");
            assertEquals(200, gpu.status(), gpu.body()::toString);
            JsonNode results = gpu.body().get("results");
            System.out.println("GPU memory -> " + results);
            assertEquals(3, results.size());
            assertEquals(Corpus.BUILT_IN.get(0), results.get(0).get("text").asText());
            assertEquals(0, results.get(0).get("index").asInt());
            assertTrue(results.get(0).get("score").asDouble() >= results.get(1).get("score").asDouble());
            assertTrue(results.get(1).get("score").asDouble() >= results.get(2).get("score").asDouble());

            TestHttp.Reply cat = http.post("/search", Map.of("query", "a kitten napping in the sunshine", "k", 1));
            assertEquals(200, cat.status(), cat.body()::toString);
            assertEquals(1, cat.body().get("results").size());
            assertEquals(Corpus.BUILT_IN.get(1), cat.body().get("results").get(0).get("text").asText());
            assertEquals(3, http.post("/search", Map.of("query", "weather forecast")).body().get("results").size(),
                    "k defaults to 3");
        } finally {
            front.stop();
            if (runtime != null) {
                runtime.stop();
            }
        }
    }

    @Test
    void aStoppedRuntimeGives502AndUnhealthyThenHealsWhenItIsBack() throws Exception {
        int runtimePort = freePort();
        ReferenceServer runtime = runtime(runtimePort);
        SearchFront front = front(runtimePort);
        try {
            TestHttp http = new TestHttp(front.port());
            http.await("/health", reply -> reply.status() == 200, TIMEOUT);
            assertEquals(200, http.get("/search?q=rain").status());

            runtime.stop();
            runtime = null;
            for (int i = 0; i < SearchFront.UNHEALTHY_AFTER; i++) {
                TestHttp.Reply failed = http.get("/search?q=rain");
                assertEquals(502, failed.status(), failed.body()::toString);
                assertEquals("bad_gateway", failed.body().get("error").get("type").asText());
                assertTrue(failed.body().get("error").get("message").asText()
                        .startsWith("the embeddings runtime at http://127.0.0.1:" + runtimePort + " failed: "),
                        failed.body()::toString);
            }
            TestHttp.Reply unhealthy = http.get("/health");
            assertEquals(503, unhealthy.status(), unhealthy.body()::toString);
            assertEquals("unhealthy", unhealthy.body().get("status").asText());
            assertTrue(unhealthy.body().get("consecutive_failures").asInt() >= SearchFront.UNHEALTHY_AFTER);
            assertTrue(unhealthy.body().get("reason").asText().startsWith("the last "), unhealthy.body()::toString);

            // Back on the same port: the background check sees it, one success is enough.
            runtime = runtime(runtimePort);
            http.await("/health", reply -> reply.status() == 200, TIMEOUT);
            assertEquals(0, http.get("/health").body().get("consecutive_failures").asInt());
            assertEquals(200, http.get("/search?q=rain").status());
        } finally {
            front.stop();
            if (runtime != null) {
                runtime.stop();
            }
        }
    }

    @Test
    void aChineseCorpusLineIsFoundAndComesBackIntact() throws Exception {
        String gpu = "显卡内存不足，模型无法加载。";
        String park = "今天天气很好，我们去公园散步。";
        Path corpus = work.resolve("corpus.txt");
        Files.writeString(corpus, "\uFEFFThe train leaves at noon.\n\n" + gpu + "\r\n" + park + "\nA cat sleeps.\n",
                StandardCharsets.UTF_8);
        SearchFront front = front(sharedRuntime.port(), "--corpus", corpus.toString());
        try {
            TestHttp http = new TestHttp(front.port());
            assertEquals(4, http.await("/health", reply -> reply.status() == 200, TIMEOUT).body().get("corpus").asInt());

            TestHttp.Reply byGet = http.get("/search?q=" + q(gpu) + "&k=2");
            assertEquals(200, byGet.status(), byGet.body()::toString);
            System.out.println(gpu + " -> " + byGet.body());
            assertEquals(gpu, byGet.body().get("query").asText());
            assertEquals(gpu, byGet.body().get("results").get(0).get("text").asText());
            assertTrue(byGet.body().get("results").get(0).get("score").asDouble() > 0.99, byGet.body()::toString);

            TestHttp.Reply byPost = http.post("/search", Map.of("query", park, "k", 1));
            assertEquals(park, byPost.body().get("results").get(0).get("text").asText(), byPost.body()::toString);
        } finally {
            front.stop();
        }
    }

    @Test
    void badRequestsGetJsonErrorsAndThePageIsHtml() throws Exception {
        SearchFront front = front(sharedRuntime.port());
        try {
            TestHttp http = new TestHttp(front.port());
            http.await("/health", reply -> reply.status() == 200, TIMEOUT);
            assertError(http.get("/search"), 400, "no q");
            assertError(http.get("/search?q=%20"), 400, "blank q");
            assertError(http.get("/search?q=x&k=0"), 400, "k=0");
            assertError(http.get("/search?q=x&k=51"), 400, "k=51");
            assertError(http.get("/search?q=x&k=three"), 400, "k=three");
            assertError(http.get("/search?q=" + "x".repeat(SearchFront.MAX_QUERY_CHARS + 1)), 400, "long q");
            assertError(http.post("/search", "{not json"), 400, "not JSON");
            assertError(http.post("/search", "[1]"), 400, "not an object");
            assertError(http.post("/search", Map.of("k", 2)), 400, "no query");
            assertError(http.post("/search", Map.of("query", "x", "k", "2")), 400, "k a string");
            assertError(http.get("/nope"), 404, "/nope");
            assertError(http.post("/health", "{}"), 405, "POST /health");

            HttpClient client = HttpClient.newHttpClient();
            HttpResponse<String> delete = client.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + front.port() + "/search")).DELETE().build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(405, delete.statusCode());
            assertEquals("GET, POST", delete.headers().firstValue("Allow").orElse(""));

            HttpResponse<String> page = client.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + front.port() + "/")).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, page.statusCode());
            assertEquals("text/html; charset=utf-8", page.headers().firstValue("Content-Type").orElse(""));
            assertTrue(page.body().contains("<form") && page.body().contains("fetch('search?q='"), page.body());

            assertEquals(200, http.get("/search?q=still+serving").status());
            assertEquals(0, http.get("/health").body().get("consecutive_failures").asInt(),
                    "refused requests never reach the runtime, so they are no runtime failures");
        } finally {
            front.stop();
        }
    }

    private static void assertError(TestHttp.Reply reply, int status, String what) {
        assertEquals(status, reply.status(), () -> what + " -> " + reply.body());
        JsonNode error = reply.body().get("error");
        assertTrue(error != null && error.get("message").isTextual() && error.get("type").isTextual(),
                () -> what + " -> " + reply.body());
    }
}
