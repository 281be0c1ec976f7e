package dev.glyphsupervisor.probes.gpu;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Prints what NVML sees through our binding, and what one {@link GpuMemoryProbe#read} costs: the check to
 * run on a real GPU machine next to {@code nvidia-smi --query-compute-apps=pid,used_memory --format=csv}.
 *
 * <pre>
 * java -cp glyph-probes.jar:jna-jpms.jar dev.glyphsupervisor.probes.gpu.NvmlDump [--library PATH] [--iterations N] [PID...]
 * </pre>
 * The pids form the tree the timed reading sums; without any, every pid NVML lists is the tree.
 * Exit status 0, 1 when NVML is not available, 2 on a usage error.
 */
public final class NvmlDump {

    private static final long MIB = 1024 * 1024;

    private NvmlDump() {
    }

    public static void main(String[] args) {
        System.exit(run(System.out, args));
    }

    static int run(PrintStream out, String... args) {
        Optional<Path> library = Optional.empty();
        int iterations = 1000;
        Set<Long> tree = new LinkedHashSet<>();
        try {
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--library" -> library = Optional.of(Path.of(args[++i]));
                    case "--iterations" -> iterations = Integer.parseInt(args[++i]);
                    default -> tree.add(Long.parseLong(args[i]));
                }
            }
        } catch (RuntimeException e) {
            out.println("usage: NvmlDump [--library PATH] [--iterations N] [PID...]  (" + e + ")");
            return 2;
        }
        try (Nvml nvml = Nvml.open(library)) {
            NvmlAvailability availability = nvml.availability();
            if (!availability.available()) {
                out.println("NVML not available: " + availability.reason());
                return 1;
            }
            out.printf("driver %s, NVML %s, %d device(s); calls: %s, %s%n", nvml.driverVersion(), nvml.nvmlVersion(),
                    nvml.deviceCount(), nvml.memoryInfoSymbol(), nvml.processListSymbol());
            Set<Long> seen = new LinkedHashSet<>();
            for (GpuDevice device : nvml.devices()) {
                MemoryInfo memory = nvml.memoryInfo(device);
                out.printf("GPU %d %s %s: used %d MiB, free %d MiB, total %d MiB%n", device.index(), device.uuid(),
                        device.name(), memory.used() / MIB, memory.free() / MIB, memory.total() / MIB);
                for (GpuProcess process : nvml.computeProcesses(device)) {
                    seen.add(process.pid());
                    out.printf("  pid %d used %s%n", process.pid(),
                            process.usageKnown() ? process.usedBytes() / MIB + " MiB" : "n/a");
                }
            }
            timeReads(out, nvml, tree.isEmpty() ? seen : tree, iterations);
            return 0;
        }
    }

    private static void timeReads(PrintStream out, Nvml nvml, Set<Long> tree, int iterations) {
        GpuMemoryProbe probe = new GpuMemoryProbe(nvml, List.of());
        GpuReading first = probe.read(tree);
        out.printf("GpuMemoryProbe.read, tree %s: %s%s, tree %s, per pid (bytes) %s%n", tree, first.status(),
                first.reason().isEmpty() ? "" : " (" + first.reason() + ")",
                first.treeBytes() < 0 ? "unknown" : first.treeBytes() / MIB + " MiB", first.perPid());
        List<Long> micros = new ArrayList<>(iterations);
        for (int i = 0; i < iterations; i++) {
            micros.add(probe.read(tree).latency().toNanos() / 1000);
        }
        long[] sorted = micros.stream().mapToLong(Long::longValue).sorted().toArray();
        if (sorted.length > 0) {
            out.printf("read cost over %d calls: median %d µs, min %d µs, p99 %d µs, max %d µs%n", sorted.length,
                    sorted[sorted.length / 2], sorted[0], sorted[(int) Math.min(sorted.length - 1, sorted.length * 0.99)],
                    sorted[sorted.length - 1]);
        }
        out.flush();
    }
}
