package dev.glyphsupervisor.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code glyphctl restart} while the server is still starting (a model that takes 6 s to load) must restart it:
 * the operator may just have edited the launch script, and the launch in progress predates the edit. Through
 * the real bin/glyphctl, with real processes.
 */
class RestartWhileStartingTest {

    private static final Duration STARTUP = Duration.ofSeconds(6);
    private static final Duration T = Duration.ofSeconds(60);

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
    void aRestartOneSecondIntoASixSecondStartupLaunchesANewGenerationAndStopsTheOld() throws Exception {
        int port = TestServer.freePort();
        ConfigFile config = new ConfigFile(dir, port, TestServer.command(port, 1, STARTUP.toSeconds(), dir.resolve("control")));
        Path file = config.write();
        daemon = DaemonProcess.startThroughScript(file, config.audit(), env -> { });

        JsonNode first = daemon.await("runtime_launched", e -> e.get("generation").asLong() == 1, T);
        long oldPid = first.get("pid").asLong();
        Instant launched = Instant.parse(first.get("ts").asText());
        Instant oneSecondIn = launched.plusSeconds(1);
        Await.until(T, "1 s into the startup", () -> !Instant.now().isBefore(oneSecondIn));

        Path io = Files.createDirectories(dir.resolve("io"));
        GlyphctlLauncher.Result restart = GlyphctlLauncher.run(io, T,
                List.of("restart", "--reason", "edited the launch script", "--config", file.toString()));
        assertEquals(0, restart.exit(), restart.out() + restart.err() + daemon.describe());
        assertTrue(restart.out().contains("healthy again: generation 2"), restart.out());

        JsonNode decided = daemon.await("restart_decided", T);
        assertEquals(1, decided.get("generation").asLong());
        assertEquals("operator", decided.get("reason").asText());
        assertEquals("STARTING", decided.get("state").asText(), "decided while the first launch was still loading");
        assertEquals("edited the launch script", decided.get("requested_reason").asText());
        assertTrue(Instant.parse(decided.get("ts").asText()).isBefore(launched.plus(STARTUP)), decided.toString());

        JsonNode stopped = daemon.await("runtime_stopped", e -> e.get("generation").asLong() == 1, T);
        JsonNode second = daemon.await("runtime_launched", e -> e.get("generation").asLong() == 2, T);
        daemon.awaitHealthy(2, T);
        assertTrue(stopped.get("seq").asLong() < second.get("seq").asLong(), "the old tree is stopped before the new launch");
        assertEquals("[]", stopped.get("still_alive").toString(), stopped.toString());
        assertNotEquals(oldPid, second.get("pid").asLong());
        assertFalse(ProcessHandle.of(oldPid).map(ProcessHandle::isAlive).orElse(false), "the first launch is gone");
        assertTrue(daemon.find("runtime_healthy", e -> e.get("generation").asLong() == 1).isEmpty(), daemon.describe());
        assertEquals(1, daemon.all("restart_decided").size(), daemon.describe());
        assertEquals(2, daemon.all("runtime_launched").size(), daemon.describe());
        assertTrue(daemon.all("restart_coalesced").isEmpty(), daemon.describe());
    }
}
