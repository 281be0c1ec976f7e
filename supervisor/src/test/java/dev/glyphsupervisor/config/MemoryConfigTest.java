package dev.glyphsupervisor.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MemoryConfigTest {

    @TempDir
    Path dir;

    private SupervisorConfig load(String probes) throws Exception {
        Path file = Files.writeString(dir.resolve("c.yaml"), "runtime:\n  command: [\"sleep\", \"1\"]\n"
                + "probes:\n" + probes + "state_dir: " + dir.resolve("state") + "\n");
        return ConfigLoader.load(file);
    }

    @Test
    void gpuAndHostLimitsAreRead() throws Exception {
        SupervisorConfig c = load("  gpu: {devices: [0, GPU-abc], max_process_memory: 7.5GiB, max_device_memory: 95%,"
                + " library: /opt/nvidia/libnvidia-ml.so.1, release_timeout: 90s, release_margin: 1GiB}\n"
                + "  host: {max_rss: 16GiB, min_available: 1GiB}\n  trend_window: 10m\n  early_restart: 15m\n");
        GpuProbeConfig gpu = c.onlyServer().probes().gpu().orElseThrow();
        assertEquals(List.of("0", "GPU-abc"), gpu.devices());
        assertEquals((long) (7.5 * (1L << 30)), gpu.maxProcessMemory().getAsLong());
        assertEquals(0.95, gpu.maxDeviceMemory().orElseThrow().fraction(), 1e-9);
        assertEquals((long) (0.95 * 1000), gpu.maxDeviceMemory().orElseThrow().bytesOf(1000));
        assertEquals(Path.of("/opt/nvidia/libnvidia-ml.so.1"), gpu.library().orElseThrow());
        assertEquals(Duration.ofSeconds(90), gpu.releaseTimeout());
        assertEquals(1L << 30, gpu.releaseMargin());
        HostProbeConfig host = c.onlyServer().probes().host().orElseThrow();
        assertEquals(16L << 30, host.maxRss().getAsLong());
        assertEquals(1L << 30, host.minAvailable().getAsLong());
        assertEquals(Duration.ofMinutes(10), c.onlyServer().probes().trendWindow());
        assertEquals(Duration.ofMinutes(15), c.onlyServer().probes().earlyRestart().orElseThrow());
    }

    @Test
    void anAbsoluteDeviceLimitAndDefaults() throws Exception {
        SupervisorConfig c = load("  gpu: {max_device_memory: 70GiB}\n");
        GpuProbeConfig gpu = c.onlyServer().probes().gpu().orElseThrow();
        assertEquals(70L << 30, gpu.maxDeviceMemory().orElseThrow().bytesOf(80L << 30));
        assertTrue(gpu.devices().isEmpty(), "every device");
        assertFalse(gpu.maxProcessMemory().isPresent());
        assertEquals(Duration.ofSeconds(60), gpu.releaseTimeout());
        assertEquals(512L << 20, gpu.releaseMargin());
        assertTrue(c.onlyServer().probes().host().isEmpty());
        assertTrue(c.onlyServer().probes().earlyRestart().isEmpty());
    }
}
