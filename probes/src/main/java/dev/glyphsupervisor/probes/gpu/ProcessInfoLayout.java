package dev.glyphsupervisor.probes.gpu;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the nvmlProcessInfo_t array that nvmlDeviceGetComputeRunningProcesses_v3/_v2 fill.
 *
 * <p>The struct is {@code {uint pid; u64 usedGpuMemory; uint gpuInstanceId; uint computeInstanceId}},
 * 24 bytes. Some 535.x nvml.h files added {@code u64 usedGpuCcProtectedMemory} (32 bytes), and code built
 * against one header met drivers built with the other: pids came back as garbage, and a driver writing
 * 32-byte entries into a buffer sized for 24 overran it. So:
 * <ol>
 *   <li>the buffer always has {@value #WIDE_STRIDE} zeroed bytes per entry, so neither layout can overrun it;</li>
 *   <li>the entries are decoded with the documented 24-byte stride if every entry is plausible, else with 32
 *       bytes if every entry is plausible that way, else it is an error, never a guess. Plausible: a pid in
 *       1..2^22 (Linux's highest pid_max), usedGpuMemory NOT_AVAILABLE or under 1 PiB, instance ids
 *       0xFFFFFFFF (no MIG) or small.</li>
 * </ol>
 * Why this tells them apart: read with a 24-byte stride, 32-byte data puts the first entry's
 * usedGpuCcProtectedMemory (zero unless confidential computing is on) where the second pid belongs, and
 * pid 0 fails the check. With a single entry both strides decode the same bytes, so the choice cannot
 * matter there.
 */
final class ProcessInfoLayout {

    static final int STRIDE = 24;
    static final int WIDE_STRIDE = 32;

    private static final long MAX_PID = 1L << 22;
    private static final long MAX_PLAUSIBLE_BYTES = 1L << 50;
    private static final long NO_INSTANCE = 0xFFFFFFFFL;
    private static final long MAX_INSTANCE_ID = 0xFFFF;

    private ProcessInfoLayout() {
    }

    /** A zeroed buffer with room for {@code capacity} entries of either layout. */
    static Memory allocate(int capacity) {
        Memory buffer = new Memory((long) capacity * WIDE_STRIDE);
        buffer.clear();
        return buffer;
    }

    /** Decodes the {@code count} entries NVML reported into a buffer from {@link #allocate}. */
    static List<GpuProcess> decode(Pointer buffer, int count) {
        int stride = stride(buffer, count);
        List<GpuProcess> processes = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            long offset = (long) i * stride;
            processes.add(new GpuProcess(Integer.toUnsignedLong(buffer.getInt(offset)), buffer.getLong(offset + 8)));
        }
        return List.copyOf(processes);
    }

    static int stride(Pointer buffer, int count) {
        if (plausible(buffer, count, STRIDE)) {
            return STRIDE;
        }
        if (plausible(buffer, count, WIDE_STRIDE)) {
            return WIDE_STRIDE;
        }
        throw new IllegalStateException("NVML returned " + count + " compute process entries in neither the "
                + STRIDE + "- nor the " + WIDE_STRIDE + "-byte nvmlProcessInfo_t layout");
    }

    private static boolean plausible(Pointer buffer, int count, int stride) {
        for (int i = 0; i < count; i++) {
            long offset = (long) i * stride;
            long pid = Integer.toUnsignedLong(buffer.getInt(offset));
            long used = buffer.getLong(offset + 8);
            boolean ok = pid >= 1 && pid <= MAX_PID
                    && (used == GpuProcess.NOT_AVAILABLE || (used >= 0 && used < MAX_PLAUSIBLE_BYTES))
                    && instanceId(buffer.getInt(offset + 16)) && instanceId(buffer.getInt(offset + 20));
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    private static boolean instanceId(int raw) {
        long id = Integer.toUnsignedLong(raw);
        return id == NO_INSTANCE || id <= MAX_INSTANCE_ID;
    }
}
