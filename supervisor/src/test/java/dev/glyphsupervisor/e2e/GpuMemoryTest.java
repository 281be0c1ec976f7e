package dev.glyphsupervisor.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import dev.glyphsupervisor.runtime.Signals;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * GPU memory limits and release checks end to end: a real daemon whose real JNA binding loads the fake
 * libnvidia-ml.so.1 (C, compiled by the probes module's build), scripted by a file this test rewrites
 * while the daemon runs. The server is the real forking test server; the "GPU memory" is the fake's.
 */
class GpuMemoryTest {

    private static final Duration T = Duration.ofSeconds(30);
    private static final long GIB = 1L << 30;
    private static final Path FAKE_NVML = Path.of(System.getProperty("basedir", "."), "..", "probes", "target",
            "fake-nvml", "current", "libnvidia-ml.so.1").toAbsolutePath().normalize();

    @TempDir
    Path dir;

    private Path script;
    private final List<DaemonProcess> daemons = new ArrayList<>();

    @BeforeEach
    void setUp() throws IOException {
        assertTrue(Files.exists(FAKE_NVML), "the probes module's build compiles " + FAKE_NVML);
        script = dir.resolve("nvml-script.txt");
        writeScript(GIB);
    }

    @AfterEach
    void cleanUp() throws InterruptedException {
        for (DaemonProcess d : daemons) {
            d.closeWithServers();
        }
    }

    /** One 80 GiB device with {@code used} bytes in use and the given compute processes (pid, bytes). */
    private void writeScript(long used, long... pidBytes) throws IOException {
        StringBuilder sb = new StringBuilder("device GPU-00000000-fake-0000-0000-000000000000 ")
                .append(80 * GIB).append(' ').append(used).append(" NVIDIA H100 80GB HBM3\n");
        for (int i = 0; i < pidBytes.length; i += 2) {
            sb.append("process 0 ").append(pidBytes[i]).append(' ').append(pidBytes[i + 1]).append('\n');
        }
        Path tmp = dir.resolve("nvml-script.tmp");
        Files.writeString(tmp, sb.toString());
        Files.move(tmp, script, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private DaemonProcess start(String gpu) throws IOException {
        int port = TestServer.freePort();
        ConfigFile config = new ConfigFile(dir, port, TestServer.command(port, 0, 0, dir.resolve("control")))
                .set("memory", "  gpu: " + gpu + "\n");
        DaemonProcess d = DaemonProcess.start(config.write(), config.audit(), Map.of("FAKE_NVML_SCRIPT", script.toString()));
        daemons.add(d);
        return d;
    }

    @Test
    void treeMemoryOverTheLimitRestartsWithTheValuesAndWaitsForTheRelease() throws Exception {
        DaemonProcess d = start("{library: \"" + FAKE_NVML + "\", max_process_memory: 4GiB, release_timeout: 20s}");
        long pid = d.awaitHealthy(1, T).get("pid").asLong();

        writeScript(4 * GIB, pid, 3 * GIB);                       // under the limit: nothing happens
        writeScript(6 * GIB, pid, 5 * GIB);                       // over it

        JsonNode decided = d.await("restart_decided", T);
        assertEquals("gpu_memory", decided.get("reason").asText());
        assertEquals("tree_gpu_memory", decided.get("metric").asText());
        assertEquals(5 * GIB, decided.get("value").asLong());
        assertEquals(4 * GIB, decided.get("limit").asLong());
        assertEquals(5 * GIB, decided.get("per_pid").get(Long.toString(pid)).asLong());
        assertEquals(6 * GIB, decided.get("devices").get(0).get("used").asLong());

        // The server is gone, but the driver still lists its pid and memory: no relaunch yet.
        d.await("runtime_stopped", T);
        assertTrue(d.find("runtime_launched", e -> e.get("generation").asLong() == 2).isEmpty(), d.describe());
        writeScript(GIB);                                         // the memory comes back to the baseline

        JsonNode released = d.await("gpu_released", T);
        assertTrue(released.get("waited_ms").asLong() > 0, released.toString());
        assertEquals(GIB, released.get("unowned_baseline").get("0").asLong());
        JsonNode launched = d.await("runtime_launched", e -> e.get("generation").asLong() == 2, T);
        assertTrue(launched.get("seq").asLong() > released.get("seq").asLong());
        d.awaitHealthy(2, T);
    }

    @Test
    void aReleaseThatDoesNotConvergeNamesTheHoldersAndDoesNotRelaunchIntoIt() throws Exception {
        DaemonProcess d = start("{library: \"" + FAKE_NVML + "\", max_process_memory: 4GiB, release_timeout: 500ms}");
        long pid = d.awaitHealthy(1, T).get("pid").asLong();

        writeScript(6 * GIB, pid, 5 * GIB);                       // over the limit, and the driver never lets go

        JsonNode failed = d.await("gpu_release_failed", T);
        assertEquals(5 * GIB, failed.get("old_pids_holding").get(Long.toString(pid)).asLong());
        d.await("release_failed", T);
        // Each later launch attempt looks again and is refused: a launch that did not happen, retried with a
        // backoff; not a restart, not a generation, not a step toward a crash loop.
        Await.until(T, "three refused launches", () -> d.all("launch_refused").size() >= 3, d::describe);
        assertEquals("gpu_not_released", d.all("launch_refused").get(0).get("cause").asText());
        assertEquals(1, d.all("restart_decided").size(), d.describe());
        assertTrue(d.all("crash_loop").isEmpty(), d.describe());
        assertTrue(d.find("runtime_launched", e -> e.get("generation").asLong() >= 2).isEmpty(),
                "never relaunched while the old pid held the GPU" + d.describe());

        writeScript(GIB);
        JsonNode relaunched = d.await("runtime_launched", e -> e.get("generation").asLong() >= 2, T);
        assertEquals(2, relaunched.get("generation").asLong(), d.describe());
    }

    @Test
    void aMissingLibraryIsUnknownNotARestart() throws Exception {
        DaemonProcess d = start("{library: \"" + dir.resolve("no-such/libnvidia-ml.so.1") + "\", max_process_memory: 1GiB}");
        d.awaitHealthy(1, T);

        JsonNode unknown = d.await("gpu_unknown", T);
        assertTrue(unknown.get("reason").asText().contains("not found"), unknown.toString());
        long cycles = healthRequests();
        // Several more liveness cycles (300 ms apart): still no restart, and the reason was recorded once.
        Await.until(T, "three more probe cycles", () -> healthRequests() >= cycles + 3);
        assertTrue(d.all("restart_decided").isEmpty(), d.describe());
        assertEquals(1, d.all("gpu_unknown").size());
        assertFalse(d.find("runtime_exited", e -> true).isPresent());
    }

    /** The daemon writes no record per healthy cycle; the server's request log counts the HTTP probes. */
    private long healthRequests() {
        try {
            Path log = dir.resolve("log").resolve("runtime.log");
            return Files.readAllLines(log).stream().filter(l -> l.contains("GET /health")).count();
        } catch (IOException e) {
            return 0;
        }
    }
}
