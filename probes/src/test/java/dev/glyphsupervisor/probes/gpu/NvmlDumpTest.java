package dev.glyphsupervisor.probes.gpu;

import static dev.glyphsupervisor.probes.gpu.FakeNvml.GIB;
import static dev.glyphsupervisor.probes.gpu.FakeNvml.script;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The GPU-machine check tool, run against the fake so that it is known to work before it meets an H100. */
class NvmlDumpTest {

    @Test
    void printsDevicesProcessesAndTheReadCost() {
        script("device GPU-aaaa-0000 " + 80 * GIB + " " + 3 * GIB + " NVIDIA H100 80GB HBM3",
                "process 0 4242 " + 2 * GIB, "process 0 4243 NA");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();

        int status = NvmlDump.run(new PrintStream(bytes, true, StandardCharsets.UTF_8),
                "--library", FakeNvml.currentDriver().toString(), "--iterations", "50", "4242");

        String out = bytes.toString(StandardCharsets.UTF_8);
        assertEquals(0, status, out);
        assertTrue(out.contains("driver 550.54.15, NVML 12.550.54.15, 1 device(s); calls: nvmlDeviceGetMemoryInfo_v2, "
                + "nvmlDeviceGetComputeRunningProcesses_v3"), out);
        assertTrue(out.contains("GPU 0 GPU-aaaa-0000 NVIDIA H100 80GB HBM3: used 3072 MiB, free 78848 MiB, total 81920 MiB"),
                out);
        assertTrue(out.contains("  pid 4242 used 2048 MiB\n  pid 4243 used n/a\n"), out);
        assertTrue(out.contains("tree [4242]: OK, tree 2048 MiB, per pid (bytes) {4242=2147483648}"), out);
        assertTrue(out.contains("read cost over 50 calls: median "), out);
    }

    @Test
    void saysWhyWhenNvmlIsMissing() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();

        int status = NvmlDump.run(new PrintStream(bytes, true, StandardCharsets.UTF_8), "--library", "/nonexistent/lib.so");

        assertEquals(1, status);
        assertEquals("NVML not available: /nonexistent/lib.so not found\n", bytes.toString(StandardCharsets.UTF_8));
    }
}
