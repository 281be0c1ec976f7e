package dev.glyphsupervisor.probes.gpu;

import java.util.List;
import java.util.Objects;

/** What one device reported: its memory in bytes and every compute process on it, in or out of the tree. */
public record DeviceReading(int index, String uuid, String name, long used, long total, List<GpuProcess> processes) {

    public DeviceReading {
        Objects.requireNonNull(uuid, "uuid");
        Objects.requireNonNull(name, "name");
        processes = List.copyOf(processes);
    }
}
