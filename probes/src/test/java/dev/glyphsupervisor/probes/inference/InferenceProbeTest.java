package dev.glyphsupervisor.probes.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.glyphsupervisor.probes.inference.InferenceResult.Verdict;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Real requests to a JDK HttpServer that answers like an OpenAI-compatible server, and some that do not. */
@Timeout(60)
class InferenceProbeTest {

    static {
        System.setProperty("sun.net.httpserver.nodelay", "true");
    }

    private static final Duration ROOMY = Duration.ofSeconds(20);
    private static final Duration SLACK = Duration.ofSeconds(5);
    private static final String CHAT = "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":1}";
    private static final String ANSWER = """
            {"id":"chatcmpl-1","object":"chat.completion","model":"m",
             "choices":[{"index":0,"message":{"role":"assistant","content":"Hello"},"finish_reason":"length"}],
             "usage":{"prompt_tokens":9,"completion_tokens":1,"total_tokens":10}}
            """;

    private HttpServer server;
    private ExecutorService threads;
    private final CountDownLatch release = new CountDownLatch(1);
    private final AtomicReference<String> seenBody = new AtomicReference<>();
    private final AtomicReference<String> seenMethod = new AtomicReference<>();
    private final AtomicReference<String> seenAuth = new AtomicReference<>();
    private final AtomicReference<String> seenType = new AtomicReference<>();

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
        threads = Executors.newCachedThreadPool();
        server.setExecutor(threads);
        server.createContext("/v1/chat/completions", ex -> {
            seenMethod.set(ex.getRequestMethod());
            seenAuth.set(ex.getRequestHeaders().getFirst("Authorization"));
            seenType.set(ex.getRequestHeaders().getFirst("Content-Type"));
            seenBody.set(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            respond(ex, 200, ANSWER);
        });
        server.createContext("/500", ex -> {
            ex.getRequestBody().readAllBytes();
            respond(ex, 500, "{\"error\":\"CUDA error: an illegal memory access was encountered\"}");
        });
        server.createContext("/html", ex -> {
            ex.getRequestBody().readAllBytes();
            respond(ex, 200, "<html>gateway says hi</html>");
        });
        server.createContext("/slow", ex -> {
            ex.getRequestBody().readAllBytes();
            sleep(600);
            respond(ex, 200, ANSWER);
        });
        server.createContext("/hang", ex -> {
            ex.getRequestBody().readAllBytes();
            try {
                release.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            respond(ex, 200, ANSWER);
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
    void postsBodyAndHeadersAndChecksTheAnswer() {
        InferenceResult result = probe("/v1/chat/completions", Optional.of(new JsonExpectation(
                "/choices/0/message/content", Optional.of("Hello"), Optional.empty())), ROOMY, Optional.empty()).check();
        assertEquals(Verdict.OK, result.verdict(), result.detail());
        assertEquals(200, result.status().getAsInt());
        assertEquals("POST", seenMethod.get());
        assertEquals(CHAT, seenBody.get());
        assertEquals("Bearer sk-test", seenAuth.get());
        assertEquals("application/json", seenType.get());
        assertTrue(result.detail().startsWith("status 200, /choices/0/message/content \"Hello\" in "), result.detail());
    }

    @Test
    void pointerThatExists() {
        assertEquals(Verdict.OK, probe("/v1/chat/completions", Optional.of(JsonExpectation.exists("/usage/completion_tokens")),
                ROOMY, Optional.empty()).check().verdict());
    }

    @Test
    void matchesFindsThePatternInTheText() {
        InferenceResult ok = probe("/v1/chat/completions", Optional.of(new JsonExpectation("/choices/0/message/content",
                Optional.empty(), Optional.of(Pattern.compile("[Hh]ell")))), ROOMY, Optional.empty()).check();
        assertEquals(Verdict.OK, ok.verdict(), ok.detail());
        InferenceResult numbers = probe("/v1/chat/completions", Optional.of(new JsonExpectation("/usage/total_tokens",
                Optional.of("10"), Optional.of(Pattern.compile("^\\d+$")))), ROOMY, Optional.empty()).check();
        assertEquals(Verdict.OK, numbers.verdict(), numbers.detail());
        InferenceResult object = probe("/v1/chat/completions", Optional.of(new JsonExpectation("/choices/0/message",
                Optional.of("{\"role\":\"assistant\",\"content\":\"Hello\"}"), Optional.empty())), ROOMY, Optional.empty()).check();
        assertEquals(Verdict.OK, object.verdict(), object.detail());
    }

    @Test
    void wrongValueFailsNamingPointerExpectedAndWhatCame() {
        InferenceResult result = probe("/v1/chat/completions", Optional.of(new JsonExpectation("/choices/0/finish_reason",
                Optional.of("stop"), Optional.empty())), ROOMY, Optional.empty()).check();
        assertEquals(Verdict.FAILED, result.verdict());
        assertEquals("/choices/0/finish_reason is \"length\", expected \"stop\"", result.detail());
        InferenceResult noMatch = probe("/v1/chat/completions", Optional.of(new JsonExpectation("/choices/0/message/content",
                Optional.empty(), Optional.of(Pattern.compile("^Bye")))), ROOMY, Optional.empty()).check();
        assertEquals(Verdict.FAILED, noMatch.verdict());
        assertEquals("/choices/0/message/content is \"Hello\", expected a match of /^Bye/", noMatch.detail());
    }

    @Test
    void missingPointerFailsWithAnExcerptOfTheAnswer() {
        InferenceResult result = probe("/v1/chat/completions", Optional.of(JsonExpectation.exists("/choices/1/message")),
                ROOMY, Optional.empty()).check();
        assertEquals(Verdict.FAILED, result.verdict());
        assertTrue(result.detail().startsWith("/choices/1/message missing; answer: \"{'id':'chatcmpl-1',"), result.detail());
        String excerpt = result.detail().substring(result.detail().indexOf("answer: ") + "answer: ".length());
        assertTrue(excerpt.length() <= 200, excerpt);
    }

    @Test
    void serverErrorFails() {
        InferenceResult result = probe("/500", Optional.empty(), ROOMY, Optional.empty()).check();
        assertEquals(Verdict.FAILED, result.verdict());
        assertEquals(500, result.status().getAsInt());
        assertEquals("status 500 (expected 200); answer: \"{'error':'CUDA error: an illegal memory access was encountered'}\"",
                result.detail());
    }

    @Test
    void notJsonFailsWhenAnExpectationIsSet() {
        InferenceResult result = probe("/html", Optional.of(JsonExpectation.exists("/choices")), ROOMY, Optional.empty()).check();
        assertEquals(Verdict.FAILED, result.verdict());
        assertEquals("answer is not JSON: \"<html>gateway says hi</html>\"", result.detail());
        assertEquals(Verdict.OK, probe("/html", Optional.empty(), ROOMY, Optional.empty()).check().verdict());
    }

    @Test
    void slowAnswerIsSlow() {
        InferenceResult result = probe("/slow", Optional.of(JsonExpectation.exists("/choices/0")), ROOMY,
                Optional.of(Duration.ofMillis(300))).check();
        assertEquals(Verdict.SLOW, result.verdict(), result.detail());
        assertTrue(result.latency().compareTo(Duration.ofMillis(600)) >= 0, result.latency().toString());
        assertTrue(result.detail().contains(", slower than 300ms"), result.detail());
    }

    @Test
    void fastAnswerUnderSlowAfterIsOk() {
        InferenceResult result = probe("/v1/chat/completions", Optional.empty(), ROOMY, Optional.of(Duration.ofSeconds(15))).check();
        assertEquals(Verdict.OK, result.verdict(), result.detail());
    }

    @Test
    void noAnswerWithinTheTimeoutFails() {
        Duration timeout = Duration.ofMillis(500);
        long start = System.nanoTime();
        InferenceResult result = probe("/hang", Optional.empty(), timeout, Optional.of(Duration.ofMillis(100))).check();
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        assertEquals(Verdict.FAILED, result.verdict());
        assertTrue(result.status().isEmpty());
        assertEquals("no response within 500ms (POST " + url("/hang") + ")", result.detail());
        assertTrue(took.compareTo(timeout.plus(SLACK)) < 0, "took " + took);
    }

    @Test
    void refusedConnectionFails() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        InferenceProbe probe = new InferenceProbe(new InferenceRequest(URI.create("http://127.0.0.1:" + port + "/v1/embeddings"),
                "POST", Map.of(), Optional.of("{}".getBytes(StandardCharsets.UTF_8)), 200, Optional.empty(), ROOMY, Optional.empty()));
        InferenceResult result = probe.check();
        assertEquals(Verdict.FAILED, result.verdict());
        assertTrue(result.detail().startsWith("connection refused: 127.0.0.1:" + port), result.detail());
    }

    @Test
    void badConfigurationIsRejectedUpFront() {
        assertThrows(IllegalArgumentException.class, () -> JsonExpectation.exists("choices/0"));
        assertThrows(IllegalArgumentException.class, () -> new InferenceProbe(new InferenceRequest(url("/x"), "GET", Map.of(),
                Optional.of(new byte[1]), 200, Optional.empty(), ROOMY, Optional.empty())));
        assertThrows(IllegalArgumentException.class, () -> new InferenceRequest(url("/x"), "POST", Map.of(),
                Optional.empty(), 200, Optional.empty(), Duration.ZERO, Optional.empty()));
        assertThrows(IllegalArgumentException.class, () -> new InferenceRequest(url("/x"), "POST",
                Map.of("X-Inject", "a\r\nHost: evil"), Optional.empty(), 200, Optional.empty(), ROOMY, Optional.empty()));
        assertThrows(IllegalArgumentException.class, () -> new InferenceRequest(url("/x"), "POST",
                Map.of("Bad Name", "v"), Optional.empty(), 200, Optional.empty(), ROOMY, Optional.empty()));
    }

    private InferenceProbe probe(String path, Optional<JsonExpectation> expect, Duration timeout, Optional<Duration> slowAfter) {
        return new InferenceProbe(new InferenceRequest(url(path), "POST", Map.of("Authorization", "Bearer sk-test"),
                Optional.of(CHAT.getBytes(StandardCharsets.UTF_8)), 200, expect, timeout, slowAfter));
    }

    private URI url(String path) {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void respond(HttpExchange ex, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", "application/json");
        ex.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }
}
