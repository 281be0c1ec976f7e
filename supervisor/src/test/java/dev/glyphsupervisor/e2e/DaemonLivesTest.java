package dev.glyphsupervisor.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.glyphsupervisor.json.Json;
import dev.glyphsupervisor.runtime.ProcessTable;
import dev.glyphsupervisor.runtime.Signals;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What one daemon's life leaves to the next on the same state directory: generations that keep increasing (they
 * began again at 1 after every clean stop), restart counts that survive a daemon restart, and, after a daemon that
 * died, a record of what became of its last generation and the caches cleared before the first launch, as before
 * any relaunch. Real daemons, one after the other, on the forking test server.
 */
class DaemonLivesTest {

    private static final Duration T = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    private final List<DaemonProcess> daemons = new ArrayList<>();
    private ConfigFile config;
    private Path file;
    /** The cache file generation 1 leaves; the configured cache glob covers it. */
    private Path cacheFile;

    @AfterEach
    void cleanUp() throws InterruptedException {
        for (DaemonProcess d : daemons) {
            d.closeWithServers();
        }
    }

    private DaemonProcess start(ConfigFile config, Path file, String name) throws IOException {
        DaemonProcess d = DaemonProcess.startAppending(file, config.audit(), dir.resolve(name + ".out"));
        daemons.add(d);
        return d;
    }

    @Test
    void generationsAndRestartCountsGoOnAfterACleanStop() throws Exception {
        int port = TestServer.freePort();
        config = new ConfigFile(dir, port, TestServer.command(port, 0, 0, dir.resolve("control")));
        file = config.write();
        DaemonProcess first = start(config, file, "first");
        long pid = first.awaitHealthy(1, T).get("pid").asLong();
        Signals.kill(pid, Signals.SIGKILL);
        first.awaitHealthy(2, T);
        first.sigterm();
        first.awaitExit(T);

        DaemonProcess second = start(config, file, "second");

        JsonNode launched = second.await("runtime_launched", T);
        assertEquals(3, launched.get("generation").asLong(), "the next generation after 2, not 1 again" + second.describe());
        second.awaitHealthy(3, T);
        Files.createDirectories(dir.resolve("io"));
        GlyphctlLauncher.Result status = GlyphctlLauncher.run(dir.resolve("io"), T, List.of("status", "--json", "--config", file.toString()));
        JsonNode restarts = Json.read(status.out()).path("restarts");
        assertEquals(1, restarts.path("total").asLong(), status.out());
        assertEquals(1, restarts.path("last_24h").asLong(), "the first daemon's restart counts in the second's day: " + status.out());
    }

    /** A daemon on the forking test server with a cache glob, its generation 1 healthy and a file in its cache. */
    private DaemonProcess firstWithACacheFile(int workers) throws IOException {
        int port = TestServer.freePort();
        Path cache = Files.createDirectories(dir.resolve("cache"));
        config = new ConfigFile(dir, port, TestServer.command(port, workers, 0, dir.resolve("control")))
                .set("caches", "[\"" + cache + "/*\"]");
        file = config.write();
        DaemonProcess first = start(config, file, "first");
        first.awaitHealthy(1, T);
        cacheFile = Files.writeString(cache.resolve("compiled-kernel.bin"), "left by generation 1");
        return first;
    }

    @Test
    void afterADaemonDiedWithItsServerTheNextOneSaysSoAndClearsTheCachesBeforeItsFirstLaunch() throws Exception {
        DaemonProcess first = firstWithACacheFile(1);
        long pid = first.awaitHealthy(1, T).get("pid").asLong();
        long pgid = first.await("runtime_launched", T).get("pgid").asLong();

        // What systemd's KillMode=mixed does when the JVM dies: the daemon and then everything in its cgroup.
        Signals.kill(first.pid(), Signals.SIGKILL);
        Signals.killGroup(pgid, Signals.SIGKILL);
        Await.until(T, "generation 1's server gone", () -> ProcessTable.get(pid).filter(p -> !p.isZombie()).isEmpty());
        DaemonProcess second = start(config, file, "second");

        JsonNode previous = second.await("previous_generation", T);
        assertEquals(1, previous.get("generation").asLong());
        assertEquals("gone", previous.get("found").asText());
        assertEquals(pid, previous.get("pid").asLong());
        second.awaitHealthy(2, T);
        List<String> order = second.eventNames();
        assertTrue(order.indexOf("previous_generation") < order.indexOf("caches_cleared")
                && order.indexOf("caches_cleared") < order.indexOf("runtime_launched"), order.toString());
        assertEquals(1, second.find("caches_cleared", e -> true).orElseThrow().get("files").asLong(), second.describe());
        assertFalse(Files.exists(cacheFile));
    }

    @Test
    void aPreviousServerThatIsStoppedIsSaidSoAndTheCachesAreClearedToo() throws Exception {
        DaemonProcess first = firstWithACacheFile(0);
        Signals.kill(first.pid(), Signals.SIGKILL);
        first.process().waitFor();
        TestServer.control(dir.resolve("control"), "500"); // alive, but failing its health check: not adopted

        DaemonProcess second = start(config, file, "second");

        JsonNode previous = second.await("previous_generation", T);
        assertEquals("stopped", previous.get("found").asText(), second.describe());
        TestServer.control(dir.resolve("control"), "ok");
        second.awaitHealthy(2, T);
        assertFalse(Files.exists(cacheFile), second.describe());
    }

    @Test
    void anAdoptedServerIsSaidSoAndItsCachesAreKept() throws Exception {
        DaemonProcess first = firstWithACacheFile(0);
        Signals.kill(first.pid(), Signals.SIGKILL);
        first.process().waitFor();

        DaemonProcess second = start(config, file, "second");

        assertEquals("adopted", second.await("previous_generation", T).get("found").asText());
        second.await("runtime_adopted", T);
        assertTrue(Files.exists(cacheFile), "the adopted server's cache is in use");
        assertTrue(second.find("caches_cleared", e -> true).isEmpty(), second.describe());
    }
}
