package dev.glyphsupervisor.probes.gpu;

import com.sun.jna.Library;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;
import com.sun.jna.ptr.PointerByReference;

/**
 * The part of libnvidia-ml we call, as a JNA interface mapping. Interface mapping resolves each symbol
 * on its first call, so loading succeeds on a driver that lacks a newer symbol; {@link NvmlSession}
 * checks the optional ones ({@code _v3}, {@code MemoryInfo_v2}) once and calls only what is there.
 * Every {@code int} return is an {@code nvmlReturn_t}; {@code unsigned int} maps to {@code int}.
 */
interface NvmlLibrary extends Library {

    int nvmlInit_v2();

    int nvmlShutdown();

    /** A static string owned by the library; JNA copies it and never frees it. */
    String nvmlErrorString(int result);

    int nvmlSystemGetDriverVersion(byte[] version, int length);

    int nvmlSystemGetNVMLVersion(byte[] version, int length);

    int nvmlDeviceGetCount_v2(IntByReference deviceCount);

    int nvmlDeviceGetHandleByIndex_v2(int index, PointerByReference device);

    int nvmlDeviceGetHandleByUUID(String uuid, PointerByReference device);

    int nvmlDeviceGetIndex(Pointer device, IntByReference index);

    int nvmlDeviceGetName(Pointer device, byte[] name, int length);

    int nvmlDeviceGetUUID(Pointer device, byte[] uuid, int length);

    /** Fills nvmlMemory_t {u64 total, free, used}; "used" includes memory the driver reserves. */
    int nvmlDeviceGetMemoryInfo(Pointer device, Pointer memory);

    /** Fills nvmlMemory_v2_t {uint version; u64 total, reserved, free, used}; needs version set. */
    int nvmlDeviceGetMemoryInfo_v2(Pointer device, Pointer memory);

    int nvmlDeviceGetComputeRunningProcesses_v3(Pointer device, IntByReference infoCount, Pointer infos);

    int nvmlDeviceGetComputeRunningProcesses_v2(Pointer device, IntByReference infoCount, Pointer infos);
}
