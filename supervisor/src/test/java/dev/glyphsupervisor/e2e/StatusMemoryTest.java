package dev.glyphsupervisor.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static dev.glyphsupervisor.e2e.FakeGpu.GIB;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code glyphctl status}, text and JSON, against a real daemon for every combination of memory probes: none, GPU
 * only (docs/gpu-validation/gpu.yaml's shape), host only, both, and a GPU that cannot be read. The text status once
 * died with "negative size: -1" on the one that was not configured.
 */
class StatusMemoryTest {

    private static final Duration T = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    private final List<DaemonProcess> daemons = new ArrayList<>();
    private FakeGpu gpu;

    @AfterEach
    void cleanUp() throws InterruptedException {
        for (DaemonProcess d : daemons) {
            d.closeWithServers();
        }
        if (gpu != null) {
            gpu.close();
        }
    }

    enum Probes { NONE, GPU, HOST, BOTH, GPU_UNREADABLE }

    private static InJvmGlyphctl.Result glyphctl(String... args) {
        return InJvmGlyphctl.run(args);
    }

    private JsonNode json() throws Exception {
        InJvmGlyphctl.Result r = glyphctl("status", "--json", "--config", dir.resolve("supervisor.yaml").toString());
        return new ObjectMapper().readTree(r.out());
    }

    private DaemonProcess start(Probes probes, String gpuLimits, double startupDelay) throws Exception {
        int port = TestServer.freePort();
        ConfigFile config = new ConfigFile(dir, port, TestServer.command(port, 0, startupDelay, dir.resolve("control")));
        gpu = new FakeGpu(dir, config.stateDir(), 2 * GIB);
        String host = "  host: {max_rss: 1GiB, min_available: 1MiB}\n";
        String gpuLine = "  gpu: " + FakeGpu.config(gpuLimits) + "\n";
        String unreadable = "  gpu: {library: \"" + dir.resolve("no-such/libnvidia-ml.so.1") + "\", max_process_memory: 4GiB}\n";
        config.set("memory", switch (probes) {
            case NONE -> "";
            case GPU -> gpuLine;
            case HOST -> host;
            case BOTH -> gpuLine + host;
            case GPU_UNREADABLE -> unreadable;
        });
        Map<String, String> env = new HashMap<>(gpu.env());
        DaemonProcess d = DaemonProcess.start(config.write(), config.audit(), env);
        daemons.add(d);
        return d;
    }

    /** Waits until status shows a memory reading of the current generation (or, unreadable, the reason). */
    private JsonNode awaitReading(Probes probes) throws Exception {
        JsonNode[] s = new JsonNode[1];
        Await.until(T, "a memory reading in status", () -> {
            try {
                s[0] = json();
            } catch (Exception e) {
                return false;
            }
            return switch (probes) {
                case NONE -> s[0].path("state").asText().equals("RUNNING");
                case GPU, BOTH -> s[0].path("gpu").path("tree_bytes").isNumber();
                case HOST -> s[0].path("memory").path("tree_rss_bytes").isNumber();
                case GPU_UNREADABLE -> s[0].path("gpu").path("unknown").isTextual();
            };
        }, () -> String.valueOf(s[0]));
        return s[0];
    }

    @ParameterizedTest
    @EnumSource(Probes.class)
    void textStatusShowsWhatIsConfiguredAndNothingElse(Probes probes) throws Exception {
        DaemonProcess d = start(probes, "max_process_memory: 4GiB, max_device_memory: 95%", 0);
        d.awaitHealthy(1, T);
        JsonNode json = awaitReading(probes);

        InJvmGlyphctl.Result text = glyphctl("status", "--config", dir.resolve("supervisor.yaml").toString());
        assertEquals(0, text.exit(), text.out() + text.err());
        assertEquals("", text.err());
        boolean gpuRead = probes == Probes.GPU || probes == Probes.BOTH;
        boolean hostRead = probes == Probes.HOST || probes == Probes.BOTH;
        assertEquals(gpuRead || probes == Probes.GPU_UNREADABLE, text.out().contains("\n  gpu "), text.out());
        assertEquals(hostRead, text.out().contains("\n  memory "), text.out());
        if (gpuRead) {
            // the tree's figure against its limit, and the device: used of total, its limit, the server's share
            assertTrue(text.out().contains("  gpu         server 2.0 GiB of 4.0 GiB"), text.out());
            assertTrue(text.out().contains("  gpu 0       2.0 GiB used of 80.0 GiB (limit 76.0 GiB): server 2.0 GiB"),
                    text.out());
            JsonNode device = json.path("gpu").path("devices").get(0);
            assertEquals(80 * GIB, device.path("total").asLong(), json.toString());
            assertEquals((long) (0.95 * 80 * GIB), device.path("limit").asLong(), json.toString());
            assertEquals(2 * GIB, device.path("tree").asLong(), json.toString());
            assertTrue(json.path("gpu").path("reading").path("current").asBoolean(), json.toString());
        }
        if (hostRead) {
            assertTrue(text.out().matches("(?s).*\n  memory      server RSS \\d+\\.\\d [KMG]iB of 1\\.0 GiB, host available .*"),
                    text.out());
        }
        if (probes == Probes.GPU_UNREADABLE) {
            assertTrue(text.out().contains("  gpu         unreadable: "), text.out());
            assertTrue(text.out().contains("not found"), text.out());
        }
    }

    /** A flat tree never reaches its limit: no projection (it once read 7366954511634469 s), and growth in human units. */
    @Test
    void aFlatTreeHasNoTimeToLimitAndGrowthIsInHumanUnits() throws Exception {
        DaemonProcess d = start(Probes.GPU, "max_process_memory: 4GiB", 0);
        d.awaitHealthy(1, T);
        Await.until(T, "enough GPU readings for a growth rate", () -> {
            try {
                return json().path("gpu").path("growth_bytes_per_hour").isNumber();
            } catch (Exception e) {
                return false;
            }
        });
        JsonNode flat = json().path("gpu");
        assertEquals(0, flat.path("growth_bytes_per_hour").asLong(), flat.toString());
        assertTrue(flat.path("time_to_limit_s").isNull(), flat.toString());
        InJvmGlyphctl.Result text = glyphctl("status", "--config", dir.resolve("supervisor.yaml").toString());
        assertTrue(text.out().contains("flat") && text.out().contains("limit never"), text.out());

        gpu.server(3 * GIB);                                    // +1 GiB within a few cycles: growth in GiB/h
        Await.until(T, "growth to show", () -> {
            try {
                return json().path("gpu").path("growth_bytes_per_hour").asLong() > GIB;
            } catch (Exception e) {
                return false;
            }
        });
        text = glyphctl("status", "--config", dir.resolve("supervisor.yaml").toString());
        assertTrue(text.out().matches("(?s).*growing \\d+\\.\\d (GiB|TiB)/h, limit in .*"), text.out());
        assertFalse(text.out().matches("(?s).*\\d{7,}B/h.*"), text.out());
    }

    /**
     * After a restart, the figures shown are the new generation's only: while it starts there is none yet, and
     * status says that the last reading was the old generation's instead of showing its figure as if current.
     */
    @Test
    void figuresAreTheCurrentGenerationsOnlyAndAReadingFromBeforeIsSaidToBe() throws Exception {
        DaemonProcess d = start(Probes.BOTH, "max_process_memory: 4GiB", 3);
        d.awaitHealthy(1, T);
        awaitReading(Probes.BOTH);

        assertEquals(0, glyphctl("restart", "--no-wait", "--config", dir.resolve("supervisor.yaml").toString()).exit());
        d.await("runtime_launched", e -> e.get("generation").asLong() == 2, T);
        JsonNode starting = json();
        assertEquals("STARTING", starting.path("state").asText(), starting.toString());
        assertTrue(starting.path("gpu").path("tree_bytes").isNull(), starting.toString());
        assertTrue(starting.path("memory").path("tree_rss_bytes").isNull(), starting.toString());
        assertEquals(1, starting.path("gpu").path("reading").path("generation").asLong(), starting.toString());
        assertFalse(starting.path("gpu").path("reading").path("current").asBoolean(), starting.toString());

        InJvmGlyphctl.Result text = glyphctl("status", "--config", dir.resolve("supervisor.yaml").toString());
        assertFalse(text.out().contains("  gpu         server "), "no tree figure of generation 1 as if current: " + text.out());
        assertFalse(text.out().contains("  memory      server RSS "), text.out());
        assertTrue(text.out().contains("  gpu         no reading of generation 2 yet (the last one was generation 1's, at "),
                text.out());
        assertTrue(text.out().contains("  memory      no reading of generation 2 yet (the last one was generation 1's, at "),
                text.out());
        // the device is the device, whatever the generation: read now
        assertTrue(text.out().contains("  gpu 0       "), text.out());
        // and the probe results shown say which generation they are of
        assertTrue(starting.path("probes_generation").isNumber(), starting.toString());
    }
}
