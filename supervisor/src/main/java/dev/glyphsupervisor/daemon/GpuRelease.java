package dev.glyphsupervisor.daemon;

import dev.glyphsupervisor.probes.gpu.DeviceReading;
import dev.glyphsupervisor.probes.gpu.GpuMemoryProbe;
import dev.glyphsupervisor.probes.gpu.GpuProcess;
import dev.glyphsupervisor.probes.gpu.GpuReading;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * A kill is not done until the GPU memory is back: before a relaunch, wait until no pid of the old tree
 * is listed by NVML and every watched device's used memory is within a margin of what it was before the
 * old server was launched. vLLM's EngineCore can outlive the API process and hold memory while the port
 * is already free; relaunching into that is an OOM.
 */
final class GpuRelease {

    /** NVML calls cost microseconds; this is how often the release is re-checked. */
    private static final long POLL_MS = 50;

    /** The outcome: converged or not, how long it took, and what still holds memory if not. */
    record Result(boolean converged, boolean unknown, long waitedMs, Map<String, Object> values) {
    }

    private final GpuMemoryProbe probe;
    private final Duration timeout;
    private final long margin;

    GpuRelease(GpuMemoryProbe probe, Duration timeout, long margin) {
        this.probe = probe;
        this.timeout = timeout;
        this.margin = margin;
    }

    /** Used memory of each watched device now (device index → bytes); empty if NVML cannot tell. */
    Map<Integer, Long> baseline() {
        GpuReading r = probe.read(Set.of());
        Map<Integer, Long> used = new LinkedHashMap<>();
        if (r.status() == GpuReading.Status.OK) {
            for (DeviceReading d : r.devices()) {
                used.put(d.index(), d.used());
            }
        }
        return used;
    }

    Result await(Set<Long> oldPids, Map<Integer, Long> baseline) {
        return poll(oldPids, baseline, timeout);
    }

    /** One look, no waiting: is the memory back now? */
    Result check(Set<Long> oldPids, Map<Integer, Long> baseline) {
        return poll(oldPids, baseline, Duration.ZERO);
    }

    private Result poll(Set<Long> oldPids, Map<Integer, Long> baseline, Duration timeout) {
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        while (true) {
            GpuReading r = probe.read(Set.of());
            long waited = (System.nanoTime() - start) / 1_000_000;
            if (r.status() != GpuReading.Status.OK) {
                // NVML cannot tell: say so and do not hold the relaunch hostage to a broken driver query.
                return new Result(true, true, waited, Map.of("unknown", r.reason()));
            }
            Map<String, Object> holders = new LinkedHashMap<>();
            Map<String, Object> overBaseline = new LinkedHashMap<>();
            for (DeviceReading d : r.devices()) {
                for (GpuProcess p : d.processes()) {
                    if (oldPids.contains(p.pid())) {
                        holders.put(Long.toString(p.pid()), p.usedBytes());
                    }
                }
                Long base = baseline.get(d.index());
                if (base != null && d.used() > base + margin) {
                    overBaseline.put(Integer.toString(d.index()), Map.of("used", d.used(), "baseline", base,
                            "margin", margin));
                }
            }
            if (holders.isEmpty() && overBaseline.isEmpty()) {
                return new Result(true, false, waited, Map.of());
            }
            if (System.nanoTime() - deadline >= 0) {
                Map<String, Object> values = new LinkedHashMap<>();
                values.put("old_pids_holding", holders);
                values.put("devices_over_baseline", overBaseline);
                values.put("processes", describe(r));
                return new Result(false, false, waited, values);
            }
            try {
                Thread.sleep(POLL_MS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new Result(false, false, waited, Map.of("interrupted", true));
            }
        }
    }

    /** Every process on the watched devices (pid → bytes), to name who holds the memory. */
    private static Map<String, Object> describe(GpuReading r) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (DeviceReading d : r.devices()) {
            for (GpuProcess p : d.processes()) {
                m.put(d.index() + ":" + p.pid(), p.usedBytes());
            }
        }
        return m;
    }
}
