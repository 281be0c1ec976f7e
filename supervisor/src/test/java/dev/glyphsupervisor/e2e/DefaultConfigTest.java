package dev.glyphsupervisor.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import dev.glyphsupervisor.config.ConfigLoader;
import dev.glyphsupervisor.config.SupervisorConfig;
import dev.glyphsupervisor.runtime.PortCheck;
import dev.glyphsupervisor.runtime.Signals;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The newcomer's path: {@code glyphctl daemon} on the shipped default config supervises the reference
 * runtime (a real embeddings model), which becomes healthy, fills its disk cache, is SIGKILLed, and comes
 * back healthy with its cache cleared by the supervised relaunch. Uses the real conf/glyph-supervisor.yaml,
 * so its port (7878) must be free and its state goes under run/ like a user's would.
 */
class DefaultConfigTest {

    private static final Duration T = Duration.ofSeconds(90);
    private static final Path CONFIG = Path.of(System.getProperty("basedir", "."), "..", "conf", "glyph-supervisor.yaml")
            .toAbsolutePath().normalize();

    private DaemonProcess daemon;

    @AfterEach
    void stop() throws InterruptedException {
        if (daemon != null) {
            daemon.closeWithServers();
        }
    }

    @Test
    void theDefaultConfigRunsTheReferenceRuntimeAndHealsItWithItsCacheCleared() throws Exception {
        SupervisorConfig config = ConfigLoader.load(CONFIG);
        int port = config.onlyServer().runtime().port().orElseThrow();
        assertTrue(PortCheck.isFree(port), "port " + port + " of the default config is taken: stop what runs there");
        Path cacheDir = config.onlyServer().runtime().workdir().resolve("run").resolve("cache");
        Path output = Files.createTempFile("glyph-default-daemon", ".out");

        daemon = DaemonProcess.startAppending(CONFIG, config.audit().path(), output);
        JsonNode first = daemon.await("runtime_healthy", T);
        long pid = first.get("pid").asLong();
        // run/ outlives a test run and generations go on for the life of its state directory
        long generation = first.get("generation").asLong();

        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + port + "/v1/embeddings"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"input\": \"A cat sits on the mat\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), response.body());
        assertTrue(filesUnder(cacheDir) >= 1, "the runtime wrote its disk cache under " + cacheDir);

        Signals.kill(pid, Signals.SIGKILL);

        JsonNode exited = daemon.await("runtime_exited", T);
        assertEquals("SIGKILL", exited.get("signal").asText());
        JsonNode cleared = daemon.await("caches_cleared", T);
        assertTrue(cleared.get("files").asInt() >= 1, "the relaunch cleared the cache: " + cleared);
        JsonNode healthy = daemon.await("runtime_healthy", e -> e.get("generation").asLong() == generation + 1, T);
        assertTrue(healthy.get("pid").asLong() != pid);
        assertTrue(cleared.get("seq").asLong() < healthy.get("seq").asLong());
        assertEquals(0, filesUnder(cacheDir), "nothing of the old cache is left");

        daemon.sigterm();
        daemon.awaitExit(T);
        assertEquals("supervisor_stopped", daemon.eventNames().get(daemon.eventNames().size() - 1));
        assertTrue(PortCheck.isFree(port), "the runtime is gone with the daemon");
    }

    private static long filesUnder(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return 0;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).count();
        }
    }
}
