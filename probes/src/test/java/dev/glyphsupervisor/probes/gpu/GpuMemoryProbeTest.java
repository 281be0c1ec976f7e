package dev.glyphsupervisor.probes.gpu;

import static dev.glyphsupervisor.probes.gpu.FakeNvml.GIB;
import static dev.glyphsupervisor.probes.gpu.FakeNvml.MIB;
import static dev.glyphsupervisor.probes.gpu.FakeNvml.script;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import com.sun.jna.Native;
import dev.glyphsupervisor.probes.gpu.GpuReading.Status;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** GpuMemoryProbe over the real JNA binding and the fake libnvidia-ml.so.1. */
class GpuMemoryProbeTest {

    private static final String DEVICE_0 = "device GPU-aaaa-0000 85899345920 " + 10 * GIB + " NVIDIA H100 80GB HBM3";
    private static final String DEVICE_1 = "device GPU-bbbb-1111 85899345920 " + 20 * GIB + " NVIDIA H100 80GB HBM3";

    private final Nvml nvml = Nvml.open(Optional.of(FakeNvml.currentDriver()));

    @AfterEach
    void close() {
        nvml.close();
    }

    @Test
    void sumsOnlyTreePidsAcrossDevices() {
        script(DEVICE_0, DEVICE_1,
                "process 0 100 " + GIB,
                "process 0 101 " + 512 * MIB,
                "process 0 200 " + 3 * GIB, // another user's job: not ours
                "process 1 100 " + 256 * MIB, // the same server process on the second GPU too
                "process 1 201 NA"); // not available, but not in the tree either

        GpuReading reading = new GpuMemoryProbe(nvml, List.of()).read(Set.of(100L, 101L, 999L));

        assertEquals(Status.OK, reading.status(), reading.reason());
        assertEquals(GIB + 512 * MIB + 256 * MIB, reading.treeBytes());
        assertEquals(Map.of(100L, GIB + 256 * MIB, 101L, 512 * MIB), reading.perPid());
        assertEquals("", reading.reason());
        assertEquals(2, reading.devices().size());
        DeviceReading second = reading.devices().get(1);
        assertEquals(new DeviceReading(1, "GPU-bbbb-1111", "NVIDIA H100 80GB HBM3", 20 * GIB, 85899345920L,
                List.of(new GpuProcess(100, 256 * MIB), new GpuProcess(201, GpuProcess.NOT_AVAILABLE))), second);
        assertEquals(3, reading.devices().get(0).processes().size());
    }

    @Test
    void notAvailableForATreePidMakesTheTreeSumUnknownButKeepsDeviceFigures() {
        script(DEVICE_0, "process 0 100 " + GIB, "process 0 101 NA");

        GpuReading reading = new GpuMemoryProbe(nvml, List.of()).read(Set.of(100L, 101L));

        assertEquals(Status.OK, reading.status());
        assertEquals(-1, reading.treeBytes());
        assertEquals(Map.of(100L, GIB, 101L, -1L), reading.perPid());
        assertTrue(reading.reason().contains("[101]"), reading.reason());
        assertEquals(10 * GIB, reading.devices().get(0).used());
    }

    @Test
    void seesMemoryClimbWhileTheJvmRuns() {
        GpuMemoryProbe probe = new GpuMemoryProbe(nvml, List.of());
        script(DEVICE_0, "process 0 100 " + GIB);
        assertEquals(GIB, probe.read(Set.of(100L)).treeBytes());

        script(DEVICE_0, "process 0 100 " + 3 * GIB, "process 0 102 " + GIB);
        assertEquals(4 * GIB, probe.read(Set.of(100L, 102L)).treeBytes());
    }

    @Test
    void concurrentReadingsAgree() throws Exception {
        script(DEVICE_0, DEVICE_1, "process 0 100 " + GIB, "process 1 101 " + 2 * GIB);
        GpuMemoryProbe probe = new GpuMemoryProbe(nvml, List.of());
        ExecutorService threads = Executors.newFixedThreadPool(4);
        try {
            List<Future<Long>> sums = new ArrayList<>();
            for (int i = 0; i < 400; i++) {
                sums.add(threads.submit(() -> probe.read(Set.of(100L, 101L)).treeBytes()));
            }
            for (Future<Long> sum : sums) {
                assertEquals(3 * GIB, sum.get());
            }
        } finally {
            threads.shutdownNow();
        }
    }

    @Test
    void listGrowingBetweenCountAndFillIsReadWhole() {
        // Three processes start after the count call: the spare room takes them in one fill call.
        script(DEVICE_0, "process 0 100 " + GIB, "grow 0 3 1");
        GpuReading small = new GpuMemoryProbe(nvml, List.of()).read(Set.of(100L, 700000L, 700002L));
        assertEquals(Status.OK, small.status(), small.reason());
        assertEquals(4, small.devices().get(0).processes().size());
        assertEquals(GIB + 2 * MIB, small.treeBytes());

        // Twenty start: more than the spare room, so the fill call says INSUFFICIENT_SIZE again and we ask again.
        script(DEVICE_0, "process 0 100 " + GIB, "grow 0 20 1");
        Set<Long> tree = LongStream.concat(LongStream.of(100), LongStream.range(700000, 700020)).boxed()
                .collect(Collectors.toSet());
        GpuReading large = new GpuMemoryProbe(nvml, List.of()).read(tree);
        assertEquals(Status.OK, large.status(), large.reason());
        assertEquals(21, large.devices().get(0).processes().size());
        assertEquals(GIB + 20 * MIB, large.treeBytes());
    }

    @Test
    void listThatNeverStopsGrowingIsUnknownNotAnEndlessLoop() {
        script(DEVICE_0, "process 0 100 " + GIB, "grow 0 20 1000");

        GpuReading reading = new GpuMemoryProbe(nvml, List.of()).read(Set.of(100L));

        assertEquals(Status.UNKNOWN, reading.status());
        assertTrue(reading.reason().contains("NVML_ERROR_INSUFFICIENT_SIZE"), reading.reason());
    }

    @Test
    void oldDriverWithoutV3UsesV2AndMemoryInfoV1() {
        script(DEVICE_0, "process 0 100 " + GIB, "process 0 101 " + 2 * GIB);
        try (Nvml old = Nvml.open(Optional.of(FakeNvml.oldDriver()))) {
            assertEquals("nvmlDeviceGetComputeRunningProcesses_v2", old.processListSymbol());
            assertEquals("nvmlDeviceGetMemoryInfo", old.memoryInfoSymbol());

            GpuReading reading = new GpuMemoryProbe(old, List.of()).read(Set.of(100L, 101L));

            assertEquals(Status.OK, reading.status(), reading.reason());
            assertEquals(3 * GIB, reading.treeBytes());
            assertEquals(10 * GIB, reading.devices().get(0).used());
        }
        // The current build, loaded in the same JVM from its own path, still has both newer calls.
        assertEquals("nvmlDeviceGetComputeRunningProcesses_v3", nvml.processListSymbol());
        assertEquals("nvmlDeviceGetMemoryInfo_v2", nvml.memoryInfoSymbol());
    }

    @Test
    void lostGpuIsUnknownAndSaysSo() {
        script(DEVICE_0, "process 0 100 " + GIB, "fail * 15");

        GpuReading reading = new GpuMemoryProbe(nvml, List.of()).read(Set.of(100L));

        assertEquals(Status.UNKNOWN, reading.status());
        assertEquals(-1, reading.treeBytes());
        assertTrue(reading.reason().contains("GPU is lost (NVML_ERROR_GPU_IS_LOST)"), reading.reason());
        assertTrue(reading.reason().contains("needs a reset or a reboot"), reading.reason());
    }

    @Test
    void resetRequiredOnTheProcessListIsUnknownAndSaysSo() {
        script(DEVICE_0, "process 0 100 " + GIB, "fail nvmlDeviceGetComputeRunningProcesses_v3 16");

        GpuReading reading = new GpuMemoryProbe(nvml, List.of()).read(Set.of(100L));

        assertEquals(Status.UNKNOWN, reading.status());
        assertTrue(reading.reason().startsWith("nvmlDeviceGetComputeRunningProcesses_v3 failed: GPU requires restart "
                + "(NVML_ERROR_RESET_REQUIRED); the GPU requires a reset"), reading.reason());
    }

    @Test
    void recoversOnTheNextReadingAfterAFailure() {
        GpuMemoryProbe probe = new GpuMemoryProbe(nvml, List.of("GPU-aaaa-0000"));
        script(DEVICE_0, "process 0 100 " + GIB, "fail nvmlDeviceGetMemoryInfo_v2 999");
        assertEquals(Status.UNKNOWN, probe.read(Set.of(100L)).status());

        script(DEVICE_0, "process 0 100 " + GIB);
        assertEquals(GIB, probe.read(Set.of(100L)).treeBytes());
    }

    @Test
    void noDevicesIsUnknown() {
        script("driver 550.54.15");

        GpuReading reading = new GpuMemoryProbe(nvml, List.of()).read(Set.of(100L));

        assertEquals(Status.UNKNOWN, reading.status());
        assertEquals("NVML sees no GPU devices", reading.reason());
    }

    @Test
    void initFailureIsUnknownWithNvmlsReason() {
        script(DEVICE_0, "fail nvmlInit_v2 9");
        try (Nvml failing = Nvml.open(Optional.of(FakeNvml.currentDriver()))) {
            GpuReading reading = new GpuMemoryProbe(failing, List.of()).read(Set.of(100L));

            assertEquals(Status.UNKNOWN, reading.status());
            assertEquals("nvmlInit failed: Driver Not Loaded (NVML_ERROR_DRIVER_NOT_LOADED)", reading.reason());
        }
    }

    @Test
    void missingLibraryPathIsUnknownNotAnException() {
        Path missing = Path.of("/nonexistent/driver/libnvidia-ml.so.1");
        try (Nvml absent = Nvml.open(Optional.of(missing))) {
            GpuReading reading = new GpuMemoryProbe(absent, List.of()).read(Set.of(1L));

            assertEquals(Status.UNKNOWN, reading.status());
            assertEquals("/nonexistent/driver/libnvidia-ml.so.1 not found", reading.reason());
        }
    }

    @Test
    void defaultSonameOnAMachineWithoutTheDriverIsUnknown() throws Exception {
        assumeFalse(Files.exists(Path.of("/proc/driver/nvidia/version")), "an NVIDIA driver is loaded here");
        // In a fresh JVM: JNA also caches a loaded library under its file name, so in this JVM, where the
        // fakes are loaded, "libnvidia-ml.so.1" would be answered by a fake.
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        String classpath = String.join(File.pathSeparator, location(DefaultSonameReading.class),
                location(Nvml.class), location(Native.class));
        Process child = new ProcessBuilder(java.toString(), "-cp", classpath, DefaultSonameReading.class.getName())
                .redirectErrorStream(true).start();
        String out = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);

        assertEquals(0, child.waitFor(), out);
        assertEquals("UNKNOWN libnvidia-ml.so.1 not found -1\n", out);
    }

    private static String location(Class<?> type) throws Exception {
        return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    }

    @Test
    void filtersDevicesByIndex() {
        script(DEVICE_0, DEVICE_1, "process 0 100 " + GIB, "process 1 100 " + 2 * GIB);

        GpuReading reading = new GpuMemoryProbe(nvml, List.of("1")).read(Set.of(100L));

        assertEquals(Status.OK, reading.status(), reading.reason());
        assertEquals(2 * GIB, reading.treeBytes());
        assertEquals(List.of("GPU-bbbb-1111"), reading.devices().stream().map(DeviceReading::uuid).toList());
    }

    @Test
    void filtersDevicesByUuid() {
        script(DEVICE_0, DEVICE_1, "process 0 100 " + GIB, "process 1 100 " + 2 * GIB);

        GpuReading reading = new GpuMemoryProbe(nvml, List.of("GPU-aaaa-0000")).read(Set.of(100L));

        assertEquals(Status.OK, reading.status(), reading.reason());
        assertEquals(GIB, reading.treeBytes());
        assertEquals(List.of(0), reading.devices().stream().map(DeviceReading::index).toList());
    }

    @Test
    void unknownConfiguredDeviceIsUnknownAndNamed() {
        script(DEVICE_0);

        GpuReading byUuid = new GpuMemoryProbe(nvml, List.of("GPU-nope")).read(Set.of(100L));
        GpuReading byIndex = new GpuMemoryProbe(nvml, List.of("3")).read(Set.of(100L));

        assertEquals(Status.UNKNOWN, byUuid.status());
        assertEquals("configured GPU device 'GPU-nope' not found: nvmlDeviceGetHandleByUUID failed: Not Found "
                + "(NVML_ERROR_NOT_FOUND)", byUuid.reason());
        assertEquals(Status.UNKNOWN, byIndex.status());
        assertTrue(byIndex.reason().startsWith("configured GPU device '3' not found"), byIndex.reason());
    }

    @Test
    void readsThirtyTwoByteProcessEntries() {
        script(DEVICE_0, "stride 32", "process 0 100 " + GIB, "process 0 4194304 NA", "process 0 300 " + 5 * MIB);
        assertEquals(List.of(new GpuProcess(100, GIB), new GpuProcess(4194304, -1), new GpuProcess(300, 5 * MIB)),
                nvml.computeProcesses(nvml.deviceByIndex(0)));

        script(DEVICE_0, "stride 32", "process 0 100 " + GIB);
        assertEquals(List.of(new GpuProcess(100, GIB)), nvml.computeProcesses(nvml.deviceByIndex(0)));
    }
}
