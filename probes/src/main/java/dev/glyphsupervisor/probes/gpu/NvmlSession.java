package dev.glyphsupervisor.probes.gpu;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;
import com.sun.jna.ptr.PointerByReference;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * The calls on a loaded, initialised NVML. {@link Nvml} owns its life (one init, one shutdown) and
 * keeps calls and shutdown apart; NVML itself is thread-safe, and so is this class.
 */
final class NvmlSession {

    static final String PROCESSES_V3 = "nvmlDeviceGetComputeRunningProcesses_v3";
    static final String PROCESSES_V2 = "nvmlDeviceGetComputeRunningProcesses_v2";
    static final String MEMORY_V2 = "nvmlDeviceGetMemoryInfo_v2";
    static final String MEMORY_V1 = "nvmlDeviceGetMemoryInfo";

    /** nvml.h: NVML_STRUCT_VERSION(Memory, 2) = sizeof(nvmlMemory_v2_t) | 2 << 24. */
    private static final int MEMORY_V2_VERSION = 40 | 2 << 24;
    /** nvml.h's *_V2_BUFFER_SIZE / *_BUFFER_SIZE for names, UUIDs and versions. */
    private static final int STRING_BUFFER = 96;
    /** Room for processes that start between the count call and the fill call. */
    private static final int SPARE_ENTRIES = 8;
    /** A list still growing after this many fill calls is churning faster than we can read it. */
    private static final int MAX_FILL_ATTEMPTS = 4;

    private final NvmlLibrary library;
    private final boolean hasMemoryV2;
    private final boolean hasProcessesV3;
    /** Handles are valid until nvmlShutdown and stable for a device, so one lookup per UUID is enough. */
    private final ConcurrentMap<String, Pointer> handles = new ConcurrentHashMap<>();

    NvmlSession(NvmlLibrary library, NativeLibrary symbols) {
        this.library = library;
        this.hasMemoryV2 = has(symbols, MEMORY_V2);
        this.hasProcessesV3 = has(symbols, PROCESSES_V3);
    }

    /** Whether the driver exports a symbol. Old drivers lack the newer versioned calls. */
    private static boolean has(NativeLibrary symbols, String name) {
        try {
            symbols.getFunction(name);
            return true;
        } catch (UnsatisfiedLinkError e) {
            return false;
        }
    }

    String processListSymbol() {
        return hasProcessesV3 ? PROCESSES_V3 : PROCESSES_V2;
    }

    String memoryInfoSymbol() {
        return hasMemoryV2 ? MEMORY_V2 : MEMORY_V1;
    }

    String driverVersion() {
        byte[] buffer = new byte[STRING_BUFFER];
        check("nvmlSystemGetDriverVersion", library.nvmlSystemGetDriverVersion(buffer, buffer.length));
        return text(buffer);
    }

    String nvmlVersion() {
        byte[] buffer = new byte[STRING_BUFFER];
        check("nvmlSystemGetNVMLVersion", library.nvmlSystemGetNVMLVersion(buffer, buffer.length));
        return text(buffer);
    }

    int deviceCount() {
        IntByReference count = new IntByReference();
        check("nvmlDeviceGetCount_v2", library.nvmlDeviceGetCount_v2(count));
        return count.getValue();
    }

    GpuDevice deviceByIndex(int index) {
        PointerByReference handle = new PointerByReference();
        check("nvmlDeviceGetHandleByIndex_v2", library.nvmlDeviceGetHandleByIndex_v2(index, handle));
        return describe(index, handle.getValue());
    }

    GpuDevice deviceByUuid(String uuid) {
        PointerByReference handle = new PointerByReference();
        check("nvmlDeviceGetHandleByUUID", library.nvmlDeviceGetHandleByUUID(uuid, handle));
        IntByReference index = new IntByReference();
        check("nvmlDeviceGetIndex", library.nvmlDeviceGetIndex(handle.getValue(), index));
        return describe(index.getValue(), handle.getValue());
    }

    private GpuDevice describe(int index, Pointer handle) {
        byte[] uuid = new byte[STRING_BUFFER];
        check("nvmlDeviceGetUUID", library.nvmlDeviceGetUUID(handle, uuid, uuid.length));
        byte[] name = new byte[STRING_BUFFER];
        check("nvmlDeviceGetName", library.nvmlDeviceGetName(handle, name, name.length));
        GpuDevice device = new GpuDevice(index, text(uuid), text(name));
        handles.put(device.uuid(), handle);
        return device;
    }

    MemoryInfo memoryInfo(GpuDevice device) {
        Pointer handle = handle(device);
        if (hasMemoryV2) {
            Memory memory = new Memory(40);
            memory.clear();
            memory.setInt(0, MEMORY_V2_VERSION);
            check(MEMORY_V2, library.nvmlDeviceGetMemoryInfo_v2(handle, memory));
            return new MemoryInfo(memory.getLong(8), memory.getLong(32), memory.getLong(24));
        }
        Memory memory = new Memory(24);
        memory.clear();
        check(MEMORY_V1, library.nvmlDeviceGetMemoryInfo(handle, memory));
        return new MemoryInfo(memory.getLong(0), memory.getLong(16), memory.getLong(8));
    }

    /**
     * The two-call pattern: ask with count 0, which answers INSUFFICIENT_SIZE and the count, then fill a
     * buffer with room to spare, asking again with the new count if the list outgrew even that.
     */
    List<GpuProcess> computeProcesses(GpuDevice device) {
        Pointer handle = handle(device);
        String symbol = processListSymbol();
        IntByReference count = new IntByReference(0);
        int rc = listProcesses(handle, count, null);
        for (int attempt = 0; rc == NvmlReturn.INSUFFICIENT_SIZE && attempt < MAX_FILL_ATTEMPTS; attempt++) {
            int capacity = count.getValue() + SPARE_ENTRIES;
            Memory buffer = ProcessInfoLayout.allocate(capacity);
            count.setValue(capacity);
            rc = listProcesses(handle, count, buffer);
            if (rc == NvmlReturn.SUCCESS) {
                return ProcessInfoLayout.decode(buffer, count.getValue());
            }
        }
        check(symbol, rc);
        return List.of(); // count 0 answered SUCCESS: no processes
    }

    private int listProcesses(Pointer handle, IntByReference count, Pointer buffer) {
        return hasProcessesV3
                ? library.nvmlDeviceGetComputeRunningProcesses_v3(handle, count, buffer)
                : library.nvmlDeviceGetComputeRunningProcesses_v2(handle, count, buffer);
    }

    /** nvmlShutdown; after it no handle of this session may be used. */
    void shutdown() {
        handles.clear();
        library.nvmlShutdown();
    }

    private Pointer handle(GpuDevice device) {
        Pointer handle = handles.get(device.uuid());
        if (handle != null) {
            return handle;
        }
        PointerByReference found = new PointerByReference();
        check("nvmlDeviceGetHandleByUUID", library.nvmlDeviceGetHandleByUUID(device.uuid(), found));
        handles.put(device.uuid(), found.getValue());
        return found.getValue();
    }

    private void check(String function, int rc) {
        if (rc != NvmlReturn.SUCCESS) {
            throw new NvmlException(function, rc, library.nvmlErrorString(rc));
        }
    }

    private static String text(byte[] nulTerminated) {
        return Native.toString(nulTerminated, StandardCharsets.UTF_8);
    }
}
