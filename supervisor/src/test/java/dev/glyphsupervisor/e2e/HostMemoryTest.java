package dev.glyphsupervisor.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.glyphsupervisor.runtime.Signals;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A real leak: the reference runtime with its request history unbounded keeps every input and vector,
 * so its RSS climbs with traffic, as Glyph's unbounded history did. The daemon's host-memory limit
 * (tree RSS through OSHI) must restart it with the values behind the decision.
 */
class HostMemoryTest {

    private static final Duration T = Duration.ofSeconds(90);
    private static final long MIB = 1L << 20;
    /** Above the runtime's own footprint after one request: room for about 16 requests of history (~2 MB each). */
    private static final long HEADROOM = 32 * MIB;
    /** Each request runs the model on 64 long inputs: about a second on 2 idle cores, more on a busy machine. */
    private static final Duration TRAFFIC = Duration.ofMinutes(3);
    private static final Path JAR = Path.of(System.getProperty("basedir", "."), "..", "model-runtime", "reference",
            "target", "reference-runtime.jar").toAbsolutePath().normalize();

    @TempDir
    Path dir;

    private DaemonProcess daemon;

    @AfterEach
    void cleanUp() throws InterruptedException {
        if (daemon != null) {
            daemon.closeWithServers();
        }
    }

    @Test
    void aRuntimeWhoseRssClimbsPastMaxRssIsRestartedWithReasonHostMemory() throws Exception {
        assertTrue(Files.exists(JAR), "the reference runtime's jar is built before this module: " + JAR);
        int port = TestServer.freePort();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        // A steady heap (serial GC, pre-sized) so that RSS follows what the history keeps, not heap sizing.
        String command = "[\"" + java + "\", \"-XX:+UseSerialGC\", \"-Xms128m\", \"-Xmx1g\", \"-jar\", \"" + JAR
                + "\", \"--port\", \"" + port + "\", \"--history\", \"unbounded\"]";
        long limit = footprintAfterOneRequest(java) + HEADROOM;
        ConfigFile config = new ConfigFile(dir, port, command)
                .set("schedule", "500ms").set("startup_timeout", "60s")
                .set("memory", "  host: {max_rss: " + limit + "}\n");
        daemon = DaemonProcess.start(config.write(), config.audit());
        long pid = daemon.awaitHealthy(1, T).get("pid").asLong();

        long deadline = System.nanoTime() + TRAFFIC.toNanos();
        int requests = 0;
        while (daemon.find("restart_decided", e -> true).isEmpty() && System.nanoTime() < deadline) {
            try {
                if (embed(port) != 200) {
                    break;
                }
            } catch (java.io.IOException stoppedMidRequest) {
                break; // the restart this test waits for
            }
            requests++;
        }

        JsonNode decided = daemon.await("restart_decided", T);
        assertEquals("host_memory", decided.get("reason").asText(), daemon.describe());
        assertEquals("tree_rss", decided.get("metric").asText());
        assertEquals(limit, decided.get("limit").asLong());
        assertTrue(decided.get("value").asLong() > limit);
        assertTrue(decided.get("per_pid").get(Long.toString(pid)).asLong() > limit / 2, decided.toString());
        assertTrue(requests > 0, "the climb came from traffic");
        daemon.awaitHealthy(2, T);
    }

    private static final HttpClient CLIENT = HttpClient.newHttpClient();
    private static final String BODY;

    static {
        String text = "The quick brown fox jumps over the lazy dog near the river bank. ".repeat(125);
        try {
            BODY = new ObjectMapper().writeValueAsString(Map.of("input", Collections.nCopies(64, text)));
        } catch (java.io.IOException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** One request that the history keeps: 64 inputs of 8,000 characters (about 2 MB of RSS). */
    private static int embed(int port) throws Exception {
        return CLIENT.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/embeddings"))
                        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(BODY)).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    /** RSS of the same runtime, run alone, after it loaded and answered one request: where the limit starts. */
    private long footprintAfterOneRequest(String java) throws Exception {
        int port = TestServer.freePort();
        Process p = new ProcessBuilder(java, "-XX:+UseSerialGC", "-Xms128m", "-Xmx1g", "-jar", JAR.toString(),
                "--port", Integer.toString(port), "--history", "unbounded")
                .redirectErrorStream(true).redirectOutput(dir.resolve("footprint.log").toFile()).start();
        try {
            Await.until(T, "the runtime alone to answer", () -> {
                try {
                    return embed(port) == 200;
                } catch (Exception notYet) {
                    return false;
                }
            });
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(p.pid()), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
                }
            }
            throw new AssertionError("no VmRSS for pid " + p.pid());
        } finally {
            p.destroyForcibly().waitFor();
        }
    }
}
