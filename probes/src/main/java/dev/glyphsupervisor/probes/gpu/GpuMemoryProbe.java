package dev.glyphsupervisor.probes.gpu;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads how much GPU memory a process tree holds, across the configured devices. NVML reports host pids,
 * so the caller passes the pids of the server's whole tree (a launch script's workers hold the memory, not
 * the script) and the reading sums theirs.
 *
 * <p>Devices are configured as indexes ({@code "0"}) or UUIDs ({@code "GPU-…"}); none means every device.
 * They are resolved on the first reading and kept, since indexes and UUIDs do not change while NVML is
 * initialised; after any failed reading they are resolved again.
 *
 * <p>{@link #read} never throws; everything that goes wrong is an UNKNOWN reading with its reason.
 * Readings may come from several threads.
 */
public final class GpuMemoryProbe {

    private static final Pattern INDEX = Pattern.compile("\\d+");

    private final Nvml nvml;
    private final List<String> deviceSpecs;
    private volatile List<GpuDevice> resolved;

    public GpuMemoryProbe(Nvml nvml, List<String> devices) {
        this.nvml = Objects.requireNonNull(nvml, "nvml");
        this.deviceSpecs = List.copyOf(devices);
    }

    public GpuReading read(Set<Long> treePids) {
        long start = System.nanoTime();
        try {
            NvmlAvailability availability = nvml.availability();
            if (!availability.available()) {
                return GpuReading.unknown(availability.reason(), since(start));
            }
            List<GpuDevice> devices = devices();
            if (devices.isEmpty()) {
                return GpuReading.unknown("NVML sees no GPU devices", since(start));
            }
            return measure(devices, treePids, start);
        } catch (DeviceNotFoundException e) {
            resolved = null;
            return GpuReading.unknown(e.getMessage(), since(start));
        } catch (NvmlException e) {
            resolved = null;
            return GpuReading.unknown(e.getMessage() + consequence(e), since(start));
        } catch (RuntimeException e) {
            resolved = null;
            return GpuReading.unknown("GPU probe error: " + e, since(start));
        }
    }

    private GpuReading measure(List<GpuDevice> devices, Set<Long> treePids, long start) {
        List<DeviceReading> readings = new ArrayList<>(devices.size());
        Map<Long, Long> perPid = new HashMap<>();
        for (GpuDevice device : devices) {
            MemoryInfo memory = nvml.memoryInfo(device);
            List<GpuProcess> processes = nvml.computeProcesses(device);
            readings.add(new DeviceReading(device.index(), device.uuid(), device.name(), memory.used(),
                    memory.total(), processes));
            for (GpuProcess process : processes) {
                if (treePids.contains(process.pid())) {
                    perPid.merge(process.pid(), process.usedBytes(), GpuMemoryProbe::add);
                }
            }
        }
        List<Long> notAvailable = perPid.entrySet().stream()
                .filter(e -> e.getValue() == GpuProcess.NOT_AVAILABLE).map(Map.Entry::getKey).sorted().toList();
        if (!notAvailable.isEmpty()) {
            return new GpuReading(GpuReading.Status.OK, "NVML reports no memory figure for tree pid(s) " + notAvailable,
                    -1, perPid, readings, since(start));
        }
        long treeBytes = perPid.values().stream().mapToLong(Long::longValue).sum();
        return new GpuReading(GpuReading.Status.OK, "", treeBytes, perPid, readings, since(start));
    }

    /** A pid with a context on two devices holds memory on both; NOT_AVAILABLE on either makes the sum unknown. */
    private static long add(long a, long b) {
        return a == GpuProcess.NOT_AVAILABLE || b == GpuProcess.NOT_AVAILABLE ? GpuProcess.NOT_AVAILABLE : a + b;
    }

    private List<GpuDevice> devices() {
        List<GpuDevice> devices = resolved;
        if (devices == null) {
            devices = deviceSpecs.isEmpty() ? nvml.devices() : deviceSpecs.stream().map(this::resolve).toList();
            resolved = devices;
        }
        return devices;
    }

    private GpuDevice resolve(String spec) {
        try {
            return INDEX.matcher(spec).matches() ? nvml.deviceByIndex(Integer.parseInt(spec)) : nvml.deviceByUuid(spec);
        } catch (NvmlException e) {
            if (e.gpuLost() || e.resetRequired()) {
                throw e;
            }
            throw new DeviceNotFoundException("configured GPU device '" + spec + "' not found: " + e.getMessage());
        }
    }

    /** The two errors that mean the GPU itself is gone, not the server: say so where an operator reads it. */
    private static String consequence(NvmlException e) {
        if (e.gpuLost()) {
            return "; the GPU is lost (fell off the bus or stopped answering): it needs a reset or a reboot";
        }
        if (e.resetRequired()) {
            return "; the GPU requires a reset or a reboot";
        }
        return "";
    }

    private static Duration since(long startNanos) {
        return Duration.ofNanos(System.nanoTime() - startNanos);
    }

    /** A configured index or UUID that NVML does not know: a config or hardware change, reported as such. */
    private static final class DeviceNotFoundException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        DeviceNotFoundException(String message) {
            super(message, null, false, false);
        }
    }
}
