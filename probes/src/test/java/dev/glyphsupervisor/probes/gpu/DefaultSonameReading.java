package dev.glyphsupervisor.probes.gpu;

import java.util.List;
import java.util.Optional;
import java.util.Set;

/** Run in its own JVM by {@link GpuMemoryProbeTest}: one reading through the default soname. */
public final class DefaultSonameReading {

    private DefaultSonameReading() {
    }

    public static void main(String[] args) {
        try (Nvml nvml = Nvml.open(Optional.empty())) {
            GpuReading reading = new GpuMemoryProbe(nvml, List.of()).read(Set.of(1L));
            System.out.println(reading.status() + " " + reading.reason() + " " + reading.treeBytes());
        }
    }
}
