package dev.glyphsupervisor.probes.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.sun.jna.Memory;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The stride check on hand-made buffers, including ones no driver should produce. */
class ProcessInfoLayoutTest {

    @Test
    void decodesTheDocumentedLayout() {
        Memory buffer = ProcessInfoLayout.allocate(10);
        entry(buffer, 0, 24, 4242, 1L << 30, -1);
        entry(buffer, 1, 24, 77, -1, 3); // MIG instance 3, memory not available

        assertEquals(24, ProcessInfoLayout.stride(buffer, 2));
        assertEquals(List.of(new GpuProcess(4242, 1L << 30), new GpuProcess(77, -1)), ProcessInfoLayout.decode(buffer, 2));
    }

    @Test
    void decodesWideEntries() {
        Memory buffer = ProcessInfoLayout.allocate(10);
        entry(buffer, 0, 32, 4242, 1L << 30, -1);
        entry(buffer, 1, 32, 77, 5L << 20, -1);

        assertEquals(32, ProcessInfoLayout.stride(buffer, 2));
        assertEquals(List.of(new GpuProcess(4242, 1L << 30), new GpuProcess(77, 5L << 20)),
                ProcessInfoLayout.decode(buffer, 2));
    }

    @Test
    void refusesEntriesThatFitNeitherLayout() {
        Memory buffer = ProcessInfoLayout.allocate(10);
        buffer.setInt(0, 4242);
        buffer.setLong(8, 1L << 62); // 4 EiB: no GPU has that

        IllegalStateException e = assertThrows(IllegalStateException.class, () -> ProcessInfoLayout.decode(buffer, 1));
        assertEquals("NVML returned 1 compute process entries in neither the 24- nor the 32-byte nvmlProcessInfo_t layout",
                e.getMessage());
    }

    private static void entry(Memory buffer, int i, int stride, int pid, long used, int instance) {
        long at = (long) i * stride;
        buffer.setInt(at, pid);
        buffer.setLong(at + 8, used);
        buffer.setInt(at + 16, instance);
        buffer.setInt(at + 20, instance);
    }
}
