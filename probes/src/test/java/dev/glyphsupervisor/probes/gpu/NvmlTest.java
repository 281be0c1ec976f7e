package dev.glyphsupervisor.probes.gpu;

import static dev.glyphsupervisor.probes.gpu.FakeNvml.GIB;
import static dev.glyphsupervisor.probes.gpu.FakeNvml.script;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The binding itself, through JNA, against the fake library. */
class NvmlTest {

    @Test
    void readsVersionsDevicesAndMemory() {
        script("driver 535.104.05", "nvml 12.535.104.05",
                "device GPU-aaaa-0000 1000 300 NVIDIA A100-SXM4-40GB",
                "device GPU-bbbb-1111 2000 1500 NVIDIA H100 PCIe");
        try (Nvml nvml = Nvml.open(Optional.of(FakeNvml.currentDriver()))) {
            assertEquals(NvmlAvailability.AVAILABLE, nvml.availability());
            assertEquals("535.104.05", nvml.driverVersion());
            assertEquals("12.535.104.05", nvml.nvmlVersion());
            assertEquals(2, nvml.deviceCount());
            GpuDevice second = new GpuDevice(1, "GPU-bbbb-1111", "NVIDIA H100 PCIe");
            assertEquals(second, nvml.deviceByIndex(1));
            assertEquals(second, nvml.deviceByUuid("GPU-bbbb-1111"));
            assertEquals(List.of(new GpuDevice(0, "GPU-aaaa-0000", "NVIDIA A100-SXM4-40GB"), second), nvml.devices());
            assertEquals(new MemoryInfo(2000, 1500, 500), nvml.memoryInfo(second));
            assertEquals(List.of(), nvml.computeProcesses(second));
        }
    }

    @Test
    void errorsCarryNvmlsCodeAndWords() {
        script("device GPU-aaaa-0000 1000 300 NVIDIA H100", "fail nvmlDeviceGetMemoryInfo_v2 15");
        try (Nvml nvml = Nvml.open(Optional.of(FakeNvml.currentDriver()))) {
            GpuDevice device = nvml.deviceByIndex(0);
            NvmlException lost = assertThrows(NvmlException.class, () -> nvml.memoryInfo(device));
            assertEquals(15, lost.code());
            assertEquals("GPU is lost", lost.nvmlMessage());
            assertTrue(lost.gpuLost());
            assertFalse(lost.resetRequired());
            assertEquals("nvmlDeviceGetMemoryInfo_v2 failed: GPU is lost (NVML_ERROR_GPU_IS_LOST)", lost.getMessage());

            script("device GPU-aaaa-0000 1000 300 NVIDIA H100", "fail nvmlDeviceGetMemoryInfo_v2 16");
            NvmlException reset = assertThrows(NvmlException.class, () -> nvml.memoryInfo(device));
            assertTrue(reset.resetRequired());
            assertFalse(reset.gpuLost());
        }
    }

    @Test
    void closeShutsDownOnceAndLaterUseFailsClearly() {
        script("device GPU-aaaa-0000 " + 80 * GIB + " " + GIB + " NVIDIA H100", "process 0 100 " + GIB);
        Nvml nvml = Nvml.open(Optional.of(FakeNvml.currentDriver()));
        GpuMemoryProbe probe = new GpuMemoryProbe(nvml, List.of());
        assertEquals(GIB, probe.read(Set.of(100L)).treeBytes());

        nvml.close();
        nvml.close();

        assertEquals(NvmlAvailability.unavailable("NVML is closed"), nvml.availability());
        IllegalStateException e = assertThrows(IllegalStateException.class, nvml::deviceCount);
        assertEquals("NVML is not available: NVML is closed", e.getMessage());
        GpuReading after = probe.read(Set.of(100L));
        assertEquals(GpuReading.Status.UNKNOWN, after.status());
        assertEquals("NVML is closed", after.reason());
    }

    @Test
    void missingLibraryNeverThrowsFromOpenOrAvailability() {
        try (Nvml nvml = Nvml.open(Optional.of(Path.of("/nonexistent/libnvidia-ml.so.1")))) {
            assertFalse(nvml.availability().available());
            IllegalStateException e = assertThrows(IllegalStateException.class, nvml::driverVersion);
            assertTrue(e.getMessage().endsWith("not found"), e.getMessage());
        }
    }
}
