package dev.glyphsupervisor.daemon;

import dev.glyphsupervisor.core.MemorySample;
import dev.glyphsupervisor.core.MemoryWatch;
import dev.glyphsupervisor.metrics.DeviceMemory;
import dev.glyphsupervisor.metrics.MetricsSink;

import java.util.OptionalLong;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The memory side of the liveness cycle: reads the server tree's memory, notes the tree's pids (the GPU and RSS
 * readings may see members the runtime has not), judges the reading against the limits, and exports it.
 * Called from the probe schedule's single thread only (one cycle at a time), so the watch needs no lock.
 */
final class TreeMemoryCheck implements Supervisor.MemoryCheck {

    private final MemoryReader reader;
    private final MemoryWatch watch;
    private final Consumer<Set<Long>> noteTree;
    private final MetricsSink metrics;

    TreeMemoryCheck(MemoryReader reader, MemoryWatch watch, Consumer<Set<Long>> noteTree, MetricsSink metrics) {
        this.reader = reader;
        this.watch = watch;
        this.noteTree = noteTree;
        this.metrics = metrics;
    }

    /** This check where a memory probe is configured, else none: no reading at all. */
    static Supervisor.MemoryCheck of(MemoryReader reader, MemoryWatch watch, Consumer<Set<Long>> noteTree,
                                     MetricsSink metrics) {
        return reader.enabled() ? new TreeMemoryCheck(reader, watch, noteTree, metrics) : Supervisor.MemoryCheck.NONE;
    }

    @Override
    public Verdict check(long generation) {
        MemorySample sample = reader.read(generation);
        noteTree.accept(sample.gpuPerPid().keySet());
        noteTree.accept(sample.rssPerPid().keySet());
        Verdict verdict = new Verdict(watch.check(sample).orElse(null), sample.gpuUnknown(),
                watch.deviceOverLimit().orElse(null));
        metrics.memory(sample.treeGpu(), sample.devices().stream()
                .map(dev -> new DeviceMemory(dev.index(), dev.uuid(), dev.used(), dev.total())).toList(), sample.treeRss());
        watch.summary().ifPresent(s -> metrics.gpuProjection(number(s.gpuGrowthPerHour()), number(s.gpuSecondsToLimit())));
        return verdict;
    }

    private static double number(OptionalLong value) {
        return value.isPresent() ? value.getAsLong() : Double.NaN;
    }
}
