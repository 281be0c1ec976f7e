package dev.glyphsupervisor.reference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The server in this JVM with the real model, spoken to over real HTTP on an ephemeral port. */
class ReferenceServerTest {

    private static final Duration LOAD_TIMEOUT = Duration.ofSeconds(60);

    @TempDir
    static Path cacheDir;

    private static ReferenceServer server;
    private static TestHttp http;

    @BeforeAll
    static void startServer() throws Exception {
        ServerOptions options = ServerOptions.parse("--port", "0", "--max-inputs", "8", "--max-input-chars", "1000",
                "--history-limit", "5");
        server = ReferenceServer.start(options, DiskCache.open(cacheDir), MiniLmEmbedder::load,
                ReferenceServerTest::failLoad, System.out);
        http = new TestHttp(server.port());
        http.await("/health", reply -> reply.status() == 200, LOAD_TIMEOUT);
    }

    @AfterAll
    static void stopServer() {
        server.stop();
    }

    private static void failLoad(Throwable failure) {
        throw new AssertionError("model failed to load", failure);
    }

    @Test
    void healthIs503WhileTheModelLoadsThen200() throws Exception {
        // The load waits for a latch, so "loading" is observed for certain, not by winning a race.
        CountDownLatch release = new CountDownLatch(1);
        ReferenceServer held = ReferenceServer.start(ServerOptions.parse("--port", "0"), EmbeddingCache.NONE,
                () -> {
                    release.await();
                    return MiniLmEmbedder.load();
                }, ReferenceServerTest::failLoad, System.out);
        try {
            TestHttp client = new TestHttp(held.port());
            TestHttp.Reply loading = client.get("/health");
            assertEquals(503, loading.status());
            assertEquals("loading", loading.body().get("status").asText());

            TestHttp.Reply early = client.post("/v1/embeddings", Map.of("input", "too early"));
            assertEquals(503, early.status());
            assertEquals("unavailable", early.body().get("error").get("type").asText());

            release.countDown();
            TestHttp.Reply ok = client.await("/health", reply -> reply.status() == 200, LOAD_TIMEOUT);
            assertEquals("ok", ok.body().get("status").asText());
            assertEquals("all-minilm-l6-v2-q", ok.body().get("model").asText());
            assertEquals(384, ok.body().get("dimension").asInt());
        } finally {
            held.stop();
        }
    }

    @Test
    void embeddingsAre384DimensionalAndCarryMeaning() throws Exception {
        TestHttp.Reply reply = http.post("/v1/embeddings", Map.of("input",
                List.of("A cat sits on the mat", "A kitten is sitting on a mat", "Quarterly revenue rose 5 percent")));
        assertEquals(200, reply.status(), reply.body()::toString);
        JsonNode body = reply.body();
        assertEquals("list", body.get("object").asText());
        assertEquals("all-minilm-l6-v2-q", body.get("model").asText());
        assertEquals(3, body.get("data").size());
        for (int i = 0; i < 3; i++) {
            assertEquals("embedding", body.get("data").get(i).get("object").asText());
            assertEquals(i, body.get("data").get(i).get("index").asInt());
            assertEquals(384, body.get("data").get(i).get("embedding").size());
        }
        assertTrue(body.get("usage").get("prompt_tokens").asInt() > 0);

        double similar = TestHttp.cosine(TestHttp.vector(body, 0), TestHttp.vector(body, 1));
        double unrelated = TestHttp.cosine(TestHttp.vector(body, 0), TestHttp.vector(body, 2));
        System.out.printf("cosine(cat, kitten)=%.3f cosine(cat, revenue)=%.3f%n", similar, unrelated);
        assertTrue(similar > 0.6, "cat/kitten similarity " + similar);
        assertTrue(unrelated < 0.3, "cat/revenue similarity " + unrelated);
        assertTrue(similar - unrelated > 0.4, similar + " vs " + unrelated);
    }

    @Test
    void theSameInputGivesTheSameVector() throws Exception {
        // A server without a cache, so the model itself is shown deterministic, not the cache.
        ReferenceServer uncached = ReferenceServer.start(ServerOptions.parse("--port", "0"), EmbeddingCache.NONE,
                MiniLmEmbedder::load, ReferenceServerTest::failLoad, System.out);
        try {
            TestHttp client = new TestHttp(uncached.port());
            client.await("/health", reply -> reply.status() == 200, LOAD_TIMEOUT);
            String text = "Deterministic inference on the CPU";
            float[] first = TestHttp.vector(client.post("/v1/embeddings", Map.of("input", text)).body(), 0);
            float[] second = TestHttp.vector(client.post("/v1/embeddings", Map.of("input", text)).body(), 0);
            assertArrayEquals(first, second);
            // The cached server answers the same vector, first from the model, then from its disk cache.
            float[] computed = TestHttp.vector(http.post("/v1/embeddings", Map.of("input", text)).body(), 0);
            float[] fromDisk = TestHttp.vector(http.post("/v1/embeddings", Map.of("input", text)).body(), 0);
            assertArrayEquals(first, computed);
            assertArrayEquals(first, fromDisk);
        } finally {
            uncached.stop();
        }
    }

    @Test
    void base64EncodingCarriesTheSameFloats() throws Exception {
        String text = "encoding formats agree";
        float[] floats = TestHttp.vector(http.post("/v1/embeddings", Map.of("input", text)).body(), 0);
        TestHttp.Reply reply = http.post("/v1/embeddings", Map.of("input", text, "encoding_format", "base64"));
        ByteBuffer bytes = ByteBuffer.wrap(Base64.getDecoder().decode(
                reply.body().get("data").get(0).get("embedding").asText())).order(ByteOrder.LITTLE_ENDIAN);
        float[] decoded = new float[bytes.remaining() / 4];
        bytes.asFloatBuffer().get(decoded);
        assertArrayEquals(floats, decoded);
    }

    @Test
    void theDiskCacheGrowsWithNewInputsAndIsReadBack() throws Exception {
        long before = cacheFiles().size();
        http.post("/v1/embeddings", Map.of("input", List.of("cache entry one", "cache entry two")));
        List<Path> files = cacheFiles();
        assertEquals(before + 2, files.size(), files::toString);

        // Overwrite one entry with a vector the model would never produce; a hit must return it verbatim.
        String input = "read back from disk, not recomputed";
        http.post("/v1/embeddings", Map.of("input", input));
        List<Path> after = cacheFiles();
        after.removeAll(files);
        assertEquals(1, after.size(), after::toString);
        float[] planted = new float[384];
        planted[7] = 1f;
        ByteBuffer entry = ByteBuffer.allocate(8 + 4 * 384).order(ByteOrder.LITTLE_ENDIAN).putInt(384).putInt(3);
        entry.asFloatBuffer().put(planted);
        Files.write(after.get(0), entry.array());
        TestHttp.Reply hit = http.post("/v1/embeddings", Map.of("input", input));
        assertArrayEquals(planted, TestHttp.vector(hit.body(), 0));
        assertEquals(3, hit.body().get("usage").get("total_tokens").asInt());
    }

    @Test
    void badRequestsGetJsonErrorsAndTheServerKeepsServing() throws Exception {
        String tooLong = "x".repeat(1001);
        List<Object[]> cases = List.of(
                new Object[] {"{not json", 400},
                new Object[] {"[\"a list, not an object\"]", 400},
                new Object[] {"{}", 400},
                new Object[] {"{\"input\": \"\"}", 400},
                new Object[] {"{\"input\": \"   \"}", 400},
                new Object[] {"{\"input\": []}", 400},
                new Object[] {"{\"input\": 42}", 400},
                new Object[] {"{\"input\": [\"ok\", 7]}", 400},
                new Object[] {"{\"input\": [[1, 2, 3]]}", 400},
                new Object[] {"{\"input\": {\"text\": \"x\"}}", 400},
                new Object[] {"{\"input\": \"" + tooLong + "\"}", 400},
                new Object[] {"{\"input\": [\"1\",\"2\",\"3\",\"4\",\"5\",\"6\",\"7\",\"8\",\"9\"]}", 400},
                new Object[] {"{\"input\": \"x\", \"model\": 3}", 400},
                new Object[] {"{\"input\": \"x\", \"model\": \"text-embedding-3-large\"}", 404},
                new Object[] {"{\"input\": \"x\", \"encoding_format\": \"int8\"}", 400},
                new Object[] {"{\"input\": \"x\", \"dimensions\": 1536}", 400});
        for (Object[] c : cases) {
            TestHttp.Reply reply = http.post("/v1/embeddings", (String) c[0]);
            assertError(reply, (Integer) c[1], c[0].toString());
        }
        assertError(http.get("/v1/embeddings"), 405, "GET /v1/embeddings");
        assertError(http.post("/health", "{}"), 405, "POST /health");
        assertError(http.get("/healthz"), 404, "/healthz");
        assertError(http.get("/v1/chat/completions"), 404, "/v1/chat/completions");
        // Over the body limit (8 inputs x 1000 chars, x6 for escapes, + 64 KiB): refused before parsing.
        assertError(http.post("/v1/embeddings", "{\"input\": \"" + "y".repeat(200_000) + "\"}"), 413, "huge body");

        assertEquals(200, http.get("/health").status());
        assertEquals(200, http.post("/v1/embeddings", Map.of("input", "still serving")).status());
    }

    @Test
    void modelsListsTheOneModel() throws Exception {
        TestHttp.Reply reply = http.get("/v1/models");
        assertEquals(200, reply.status());
        assertEquals("list", reply.body().get("object").asText());
        assertEquals("all-minilm-l6-v2-q", reply.body().get("data").get(0).get("id").asText());
        assertEquals(200, http.post("/v1/embeddings", Map.of("input", "named", "model", "all-minilm-l6-v2-q")).status());
    }

    @Test
    void aStoppedServerRefusesConnections() throws Exception {
        ReferenceServer stopping = ReferenceServer.start(ServerOptions.parse("--port", "0"), EmbeddingCache.NONE,
                MiniLmEmbedder::load, ReferenceServerTest::failLoad, System.out);
        TestHttp client = new TestHttp(stopping.port());
        client.await("/health", reply -> reply.status() == 200, LOAD_TIMEOUT);
        stopping.stop();
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + stopping.port() + "/health"));
        try {
            client.send(request);
            throw new AssertionError("a stopped server answered");
        } catch (IOException expected) {
            // connection refused: the port is free for the next launch
        }
    }

    private static void assertError(TestHttp.Reply reply, int status, String what) {
        assertEquals(status, reply.status(), () -> what + " -> " + reply.body());
        JsonNode error = reply.body().get("error");
        assertTrue(error != null && error.get("message").isTextual() && error.get("type").isTextual(),
                () -> what + " -> " + reply.body());
    }

    private static List<Path> cacheFiles() throws IOException {
        try (Stream<Path> files = Files.walk(cacheDir)) {
            return new java.util.ArrayList<>(files.filter(p -> p.toString().endsWith(".vec")).toList());
        }
    }
}
