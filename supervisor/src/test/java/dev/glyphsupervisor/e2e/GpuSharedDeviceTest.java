package dev.glyphsupervisor.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import dev.glyphsupervisor.runtime.Signals;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static dev.glyphsupervisor.e2e.FakeGpu.GIB;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A GPU shared with processes that are not the server's (another server, a notebook): their memory is theirs. The
 * release check before a relaunch judges what the old tree still holds, never the whole device against the figure
 * before the launch; a device that cannot fit the server because of someone else is {@code gpu_busy}, retried, and
 * not a crash of the server; and a device over {@code max_device_memory} restarts the server only when its own
 * growth put it there. A real daemon on the fake libnvidia-ml.so.1; the foreign jobs are real processes.
 */
class GpuSharedDeviceTest {

    private static final Duration T = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    private final List<DaemonProcess> daemons = new ArrayList<>();
    private FakeGpu gpu;
    private Path configFile;

    @AfterEach
    void cleanUp() throws InterruptedException {
        for (DaemonProcess d : daemons) {
            d.closeWithServers();
        }
        if (gpu != null) {
            gpu.close();
        }
    }

    private DaemonProcess start(long serverBytes, String limits, String crashLoop) {
        int port = TestServer.freePort();
        ConfigFile config = new ConfigFile(dir, port, TestServer.command(port, 0, 0, dir.resolve("control")));
        gpu = new FakeGpu(dir, config.stateDir(), serverBytes);
        config.set("memory", "  gpu: " + FakeGpu.config(limits) + "\n");
        if (!crashLoop.isEmpty()) {
            config.set("max_restarts", crashLoop);
        }
        try {
            configFile = config.write();
            DaemonProcess d = DaemonProcess.start(configFile, config.audit(), gpu.env());
            daemons.add(d);
            return d;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Waits until the daemon has read the tree's GPU memory of {@code generation} at least once (its footprint). */
    /**
     * Waits until the daemon has read the tree at {@code bytes} and then made {@code cycles} readings in all (each
     * reading is one liveness cycle, and a cycle's verdict is audited before the next cycle starts).
     */
    private void awaitCyclesAfterTree(DaemonProcess d, long bytes, int cycles) {
        java.util.Set<String> readings = new java.util.HashSet<>();
        Await.until(T, cycles + " readings of a " + bytes + "-byte tree", () -> {
            try {
                JsonNode gpu = StatusJson.of(configFile).path("gpu");
                if (gpu.path("tree_bytes").asLong() == bytes) {
                    readings.add(gpu.path("reading").path("at").asText());
                }
                return readings.size() >= cycles;
            } catch (Exception e) {
                return false;
            }
        }, d::describe);
    }

    private void awaitTreeReading(DaemonProcess d, long generation) {
        Await.until(T, "a GPU reading of generation " + generation, () -> {
            try {
                JsonNode s = StatusJson.of(configFile);
                return s.path("generation").asLong() == generation && s.path("gpu").path("tree_bytes").isNumber();
            } catch (Exception e) {
                return false;
            }
        }, d::describe);
    }

    /**
     * Issue 13, part 2: a foreign job took memory after the launch; the server died (its tree gone in ms, holding
     * nothing). The relaunch must not wait for the device to come back to its figure before the launch, nor be
     * refused into a crash loop, and a daemon stop must not wait out release_timeout.
     */
    @Test
    void foreignMemoryThatAppearedAfterTheLaunchDoesNotHoldTheRelaunch() throws Exception {
        DaemonProcess d = start(2 * GIB, "max_process_memory: 8GiB, release_timeout: 20s, release_margin: 256MiB", "");
        long pid = d.awaitHealthy(1, T).get("pid").asLong();
        gpu.linger(100, 0);                                     // the driver lists a dead context 100 ms longer
        long notebook = gpu.foreign(30 * GIB);

        Signals.kill(pid, Signals.SIGKILL);
        JsonNode released = d.await("gpu_released", T);
        assertTrue(released.get("waited_ms").asLong() < 5_000, released.toString());
        d.await("runtime_launched", e -> e.get("generation").asLong() == 2, Duration.ofSeconds(10));
        d.awaitHealthy(2, T);
        assertTrue(d.all("gpu_release_failed").isEmpty(), d.describe());
        assertTrue(d.all("crash_loop").isEmpty(), d.describe());
        assertTrue(ProcessHandle.of(notebook).map(ProcessHandle::isAlive).orElse(false), "the foreign job is never touched");

        long stopAsked = System.nanoTime();
        d.sigterm();
        assertEquals(143, d.awaitExit(T));
        long stopMs = (System.nanoTime() - stopAsked) / 1_000_000;
        assertTrue(stopMs < 10_000, "the daemon's stop did not wait out release_timeout (20 s): " + stopMs + " ms");
    }

    /**
     * The device cannot fit the server because a foreign job holds the rest: the launch waits (gpu_busy, naming who
     * holds how much) and is retried with a backoff, never counted as a crash of the server nor as a generation,
     * and the server comes back as soon as it fits.
     */
    @Test
    void aDeviceThatCannotFitTheServerIsGpuBusyAndRetriedWithoutACrashLoop() throws Exception {
        // 20 GiB server; the device's ceiling is 75 % of 80 GiB = 60 GiB; a crash loop would be 3 restarts a minute.
        DaemonProcess d = start(20 * GIB, "max_device_memory: 75%, release_timeout: 5s", "3");
        long pid = d.awaitHealthy(1, T).get("pid").asLong();
        awaitTreeReading(d, 1);
        long notebook = gpu.foreign(45 * GIB);                  // 65 GiB in use: over the ceiling, by someone else

        JsonNode over = d.await("device_over_limit", T);
        assertTrue(over.toString().contains("\"" + notebook + "\":" + 45 * GIB), over.toString());
        assertTrue(d.all("restart_decided").isEmpty(), "a foreign job over the device limit restarts nothing" + d.describe());

        Signals.kill(pid, Signals.SIGKILL);                     // the server dies for a reason of its own
        JsonNode busy = d.await("gpu_busy", T);
        assertEquals(20 * GIB, busy.get("devices").get(0).get("needs").asLong(), busy.toString());
        assertEquals(45 * GIB, busy.get("devices").get(0).get("processes").get(Long.toString(notebook)).asLong(), busy.toString());
        // Several refusals: each one a retry, none a restart, a generation or a crash loop.
        Await.until(T, "four refused launches", () -> d.all("launch_refused").size() >= 4, d::describe);
        assertEquals(1, d.all("restart_decided").size(), "only the death itself was a restart" + d.describe());
        assertTrue(d.all("crash_loop").isEmpty(), d.describe());
        assertTrue(d.all("runtime_launched").stream().allMatch(e -> e.get("generation").asLong() == 1), d.describe());
        assertEquals("gpu_busy", d.all("launch_refused").get(0).get("cause").asText());

        gpu.endForeign(notebook);
        JsonNode relaunched = d.await("runtime_launched", e -> e.get("generation").asLong() > 1, T);
        assertEquals(2, relaunched.get("generation").asLong(), "a launch that never happened is not a generation");
        d.awaitHealthy(2, T);
    }

    /** max_device_memory: a restart only where a restart helps, i.e. where the server's own growth put the device over. */
    @Test
    void theDeviceLimitRestartsTheServerOnlyForItsOwnGrowth() throws Exception {
        DaemonProcess d = start(2 * GIB, "max_device_memory: 50%", "");
        d.awaitHealthy(1, T);
        awaitTreeReading(d, 1);
        long notebook = gpu.foreign(45 * GIB);                  // 47 of 80 GiB, ceiling 40: the notebook's doing
        d.await("device_over_limit", T);
        gpu.server(6 * GIB);                                    // the server grows 4 GiB: 51 GiB, still 11 over
        awaitCyclesAfterTree(d, 6 * GIB, 3);                    // judged, and two more cycles for the verdict to land
        assertTrue(d.all("restart_decided").isEmpty(), "restarting a server that grew 4 GiB cannot undo 11 GiB" + d.describe());

        gpu.endForeign(notebook);
        d.await("device_within_limit", T);
        gpu.server(42 * GIB);                                   // now the server alone is over the device's ceiling
        JsonNode decided = d.await("restart_decided", T);
        assertEquals("gpu_memory", decided.get("reason").asText());
        assertEquals("device_memory", decided.get("metric").asText());
        assertEquals(40 * GIB, decided.get("tree_growth").asLong(), decided.toString());
    }
}
