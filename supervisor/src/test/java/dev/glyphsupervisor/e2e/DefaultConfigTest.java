package dev.glyphsupervisor.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.glyphsupervisor.config.ConfigLoader;
import dev.glyphsupervisor.config.ServerConfig;
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
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The newcomer's path: {@code glyphctl daemon} on the shipped default config supervises the reference stack:
 * {@code embeddings}, the reference runtime (a real embeddings model), and {@code search}, the search front end
 * that requires it and embeds every query through it. Both become healthy, search only after embeddings; a search
 * through port 7879 answers with results; embeddings fills its disk cache, is SIGKILLed, search is stopped for it
 * (no restart of its own), embeddings comes back healthy with its cache cleared by the supervised relaunch and
 * search after it, answering again. Uses the real conf/glyph-supervisor.yaml, so its ports (7878, 7879) must be
 * free and its state goes under run/ like a user's would.
 */
class DefaultConfigTest {

    private static final Duration T = Duration.ofSeconds(90);
    private static final Path CONFIG = Path.of(System.getProperty("basedir", "."), "..", "conf", "glyph-supervisor.yaml")
            .toAbsolutePath().normalize();

    private final HttpClient http = HttpClient.newHttpClient();
    private DaemonProcess daemon;

    @AfterEach
    void stop() throws InterruptedException {
        if (daemon != null) {
            daemon.closeWithServers();
        }
    }

    @Test
    void theDefaultConfigRunsTheReferenceStackAndHealsItWithItsCacheCleared() throws Exception {
        SupervisorConfig config = ConfigLoader.load(CONFIG);
        assertEquals(List.of("embeddings", "search"), config.serverNames());
        ServerConfig embeddings = config.server("embeddings").orElseThrow();
        ServerConfig search = config.server("search").orElseThrow();
        assertEquals(List.of("embeddings"), search.requires());
        int port = embeddings.runtime().port().orElseThrow();
        int searchPort = search.runtime().port().orElseThrow();
        for (int p : List.of(port, searchPort)) {
            assertTrue(PortCheck.isFree(p), "port " + p + " of the default config is taken: stop what runs there");
        }
        Path cacheDir = embeddings.runtime().workdir().resolve("run").resolve("cache");
        Path output = Files.createTempFile("glyph-default-daemon", ".out");

        daemon = DaemonProcess.startAppending(CONFIG, config.audit().path(), output);
        JsonNode first = daemon.await("runtime_healthy", e -> of(e, "embeddings"), T);
        long pid = first.get("pid").asLong();
        // run/ outlives a test run and generations go on for the life of its state directories
        long generation = first.get("generation").asLong();
        JsonNode searchHealthy = daemon.await("runtime_healthy", e -> of(e, "search"), T);
        long searchGeneration = searchHealthy.get("generation").asLong();
        JsonNode searchLaunched = daemon.await("runtime_launched", e -> of(e, "search"), T);
        assertTrue(first.get("seq").asLong() < searchLaunched.get("seq").asLong(),
                "search is launched only once embeddings is healthy" + daemon.describe());
        assertEquals(searchLaunched.get("pid").asLong(), searchHealthy.get("pid").asLong());

        HttpResponse<String> response = http.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + port + "/v1/embeddings"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"input\": \"A cat sits on the mat\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), response.body());
        assertTrue(filesUnder(cacheDir) >= 1, "the runtime wrote its disk cache under " + cacheDir);
        assertSearchAnswers(searchPort);

        InJvmGlyphctl.Result status = glyphctl("status", "--config", CONFIG.toString());
        assertEquals(0, status.exit(), status.out() + status.err());
        for (String name : List.of("embeddings", "search")) {
            assertTrue(status.out().lines().anyMatch(l -> l.startsWith(name + " ") && l.contains("RUNNING")), status.out());
        }

        Signals.kill(pid, Signals.SIGKILL);

        JsonNode exited = daemon.await("runtime_exited", e -> of(e, "embeddings"), T);
        assertEquals("SIGKILL", exited.get("signal").asText());
        // search is stopped for it, never restarted on its own account
        // (its waiting record may come before embeddings' runtime_exited: the daemon sees the state change first)
        long afterHealthy = searchHealthy.get("seq").asLong();
        JsonNode searchStopped = daemon.await("runtime_stopped", e -> of(e, "search") && e.get("seq").asLong() > afterHealthy, T);
        assertEquals("requirement_down", searchStopped.get("reason").asText(), daemon.describe());
        assertTrue(searchStopped.get("survivors_killed").isEmpty(), "search's stop killed nothing else" + daemon.describe());
        daemon.await("waiting", e -> of(e, "search") && e.get("seq").asLong() > afterHealthy, T);
        JsonNode cleared = daemon.await("caches_cleared", e -> of(e, "embeddings"), T);
        assertTrue(cleared.get("files").asInt() >= 1, "the relaunch cleared the cache: " + cleared);
        JsonNode healthy = daemon.await("runtime_healthy",
                e -> of(e, "embeddings") && e.get("generation").asLong() == generation + 1, T);
        assertTrue(healthy.get("pid").asLong() != pid);
        assertTrue(cleared.get("seq").asLong() < healthy.get("seq").asLong());
        assertEquals(0, filesUnder(cacheDir), "nothing of the old cache is left");

        JsonNode searchBack = daemon.await("runtime_healthy",
                e -> of(e, "search") && e.get("generation").asLong() > searchGeneration, T);
        JsonNode searchRelaunched = daemon.await("runtime_launched",
                e -> of(e, "search") && e.get("generation").asLong() > searchGeneration, T);
        assertTrue(searchStopped.get("seq").asLong() < healthy.get("seq").asLong());
        assertTrue(healthy.get("seq").asLong() < searchRelaunched.get("seq").asLong(),
                "search is launched again only once embeddings is healthy again" + daemon.describe());
        assertTrue(searchBack.get("pid").asLong() != searchHealthy.get("pid").asLong());
        assertTrue(daemon.find("restart_decided", e -> of(e, "search")).isEmpty(),
                "search never restarts on its own account for its requirement's death" + daemon.describe());
        assertSearchAnswers(searchPort);

        daemon.sigterm();
        daemon.awaitExit(T);
        assertEquals("supervisor_stopped", daemon.eventNames().get(daemon.eventNames().size() - 1));
        // dependents stop before what they require
        JsonNode lastSearchStop = lastOf("runtime_stopped", "search");
        JsonNode lastEmbeddingsStop = lastOf("runtime_stopped", "embeddings");
        assertTrue(lastSearchStop.get("seq").asLong() < lastEmbeddingsStop.get("seq").asLong(), daemon.describe());
        assertTrue(PortCheck.isFree(port), "the runtime is gone with the daemon");
        assertTrue(PortCheck.isFree(searchPort), "the search front end is gone with the daemon");
    }

    /** A real query through the search front end, which embeds it through the runtime. */
    private void assertSearchAnswers(int searchPort) throws Exception {
        HttpResponse<String> found = http.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + searchPort + "/search?q=GPU+memory&k=3")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, found.statusCode(), found.body());
        JsonNode results = new ObjectMapper().readTree(found.body()).get("results");
        assertEquals(3, results.size(), found.body());
        assertTrue(results.get(0).get("text").asText().contains("GPU"), found.body());
    }

    private JsonNode lastOf(String event, String server) {
        List<JsonNode> all = daemon.all(event).stream().filter(e -> of(e, server)).toList();
        assertTrue(!all.isEmpty(), "no " + event + " of " + server + daemon.describe());
        return all.get(all.size() - 1);
    }

    private static boolean of(JsonNode event, String server) {
        return event.has("server") && event.get("server").asText().equals(server);
    }

    private static InJvmGlyphctl.Result glyphctl(String... args) {
        return InJvmGlyphctl.run(args);
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
