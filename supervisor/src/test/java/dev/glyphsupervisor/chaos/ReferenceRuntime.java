package dev.glyphsupervisor.chaos;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.glyphsupervisor.e2e.Await;
import dev.glyphsupervisor.e2e.TestServer;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * The bundled reference runtime as the soak runs it: history unbounded (the leak) and a disk cache (what
 * the cache fault blocks), on a pre-touched 128 MB heap, so that RSS climbs with what the history keeps,
 * not with the young generation filling up under probe traffic.
 */
final class ReferenceRuntime {

    static final Path JAR = Path.of(System.getProperty("basedir", "."), "..", "model-runtime", "reference",
            "target", "reference-runtime.jar").toAbsolutePath().normalize();
    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    /**
     * One request the history keeps: 256 copies of one 8,000-character input. The model runs once per
     * request at most (the rest are disk-cache hits), so a request costs milliseconds, and the history
     * keeps about 2.4 MB (the 256 strings and vectors).
     */
    private static final String BODY;

    static {
        String text = "The quick brown fox jumps over the lazy dog near the river bank. ".repeat(125);
        try {
            BODY = new ObjectMapper().writeValueAsString(Map.of("input", Collections.nCopies(256, text)));
        } catch (IOException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private ReferenceRuntime() {
    }

    static List<String> command(int port, Path cacheDir) {
        if (!Files.exists(JAR)) {
            throw new IllegalStateException("the reference runtime is not built: " + JAR);
        }
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return List.of(java, "-XX:+UseSerialGC", "-Xms128m", "-Xmx1g", "-XX:+AlwaysPreTouch", "-jar", JAR.toString(),
                "--port", Integer.toString(port), "--history", "unbounded", "--cache-dir", cacheDir.toString(),
                "--threads", "2");
    }

    /**
     * The runtime as the inference lane runs it (issue 16): its fault endpoints on, two engine workers, no disk
     * cache and no history (every request one forward pass per input; nothing grows).
     */
    static List<String> faultCommand(int port) {
        if (!Files.exists(JAR)) {
            throw new IllegalStateException("the reference runtime is not built: " + JAR);
        }
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return List.of(java, "-XX:+UseSerialGC", "-Xmx256m", "-jar", JAR.toString(), "--port", Integer.toString(port),
                "--fault-endpoints", "--engine-threads", "2", "--threads", "4");
    }

    /** One client request: a one-sentence embedding; the HTTP status. */
    static int sentence(int port, Duration timeout) throws IOException, InterruptedException {
        String body = "{\"input\": [\"a client's sentence " + System.nanoTime() + "\"]}";
        return CLIENT.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/embeddings"))
                        .timeout(timeout).header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    /** {@code POST /admin/fault/WHAT} (e.g. {@code hang}, {@code slow?step_ms=1500}); the HTTP status. */
    static int fault(int port, String what) throws IOException, InterruptedException {
        return CLIENT.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/admin/fault/" + what))
                        .timeout(Duration.ofSeconds(10)).POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    /** YAML flow list of {@link #command}. */
    static String yaml(List<String> command) {
        List<String> quoted = new ArrayList<>();
        command.forEach(c -> quoted.add("\"" + c + "\""));
        return "[" + String.join(", ", quoted) + "]";
    }

    /** One request that the history keeps; the HTTP status. */
    static int embed(int port) throws IOException, InterruptedException {
        return CLIENT.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/embeddings"))
                        .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(BODY)).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    /** VmRSS of {@code pid} in bytes, or -1 when it is gone. */
    static long rss(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
                }
            }
        } catch (IOException | RuntimeException gone) {
            // exited
        }
        return -1;
    }

    /**
     * RSS of the same runtime run alone, after it loaded and answered {@code requests} requests: where the
     * max_rss limit starts (the headroom above it is what the fault's traffic must fill).
     */
    static long footprint(Path dir, int requests) throws Exception {
        int port = TestServer.freePort();
        Process p = new ProcessBuilder(command(port, dir.resolve("footprint-cache")))
                .redirectErrorStream(true).redirectOutput(dir.resolve("footprint.log").toFile()).start();
        try {
            Await.until(Duration.ofSeconds(120), "the reference runtime alone to answer", () -> {
                try {
                    return embed(port) == 200;
                } catch (Exception notYet) {
                    return false;
                }
            });
            for (int i = 1; i < requests; i++) {
                embed(port);
            }
            return rss(p.pid());
        } finally {
            p.destroyForcibly().waitFor();
        }
    }
}
