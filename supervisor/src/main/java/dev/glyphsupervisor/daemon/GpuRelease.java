package dev.glyphsupervisor.daemon;

import dev.glyphsupervisor.config.DataSize;
import dev.glyphsupervisor.probes.gpu.DeviceReading;
import dev.glyphsupervisor.probes.gpu.GpuMemoryProbe;
import dev.glyphsupervisor.probes.gpu.GpuProcess;
import dev.glyphsupervisor.probes.gpu.GpuReading;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.LongFunction;
import java.util.function.Supplier;

/**
 * A kill is not done until the GPU memory is back, and a launch needs the memory free: the GPU side of the release
 * checks between a stop and the next launch.
 *
 * <p>Device memory is shared: other processes (another server, a notebook) use the same GPU and come and go. So the
 * release judges what the old tree still holds, never the whole device against its figure before the launch: no pid
 * of the old tree listed by NVML (vLLM's EngineCore can outlive the API process and hold memory while the port is
 * already free), and the memory that no listed process accounts for back within a margin of what it was before the
 * launch (a driver that frees a dead context late). Memory that other listed processes took meanwhile is theirs.
 *
 * <p>Whether the server fits is a separate question, asked before each launch: the device's free memory, under its
 * {@code max_device_memory} if set, against what the server held once started last time ({@code footprint}). When
 * someone else holds too much the launch waits ({@code gpu_busy}), naming who holds how much.
 */
final class GpuRelease {

    /** NVML calls cost microseconds; this is how often the release is re-checked. */
    private static final long POLL_MS = 50;

    /**
     * The outcome: converged or not, NVML unreadable, how long it took, and the values for the audit record. Not
     * converged means pids of the old tree still hold memory ({@code old_pids_holding}).
     */
    record Result(boolean converged, boolean unknown, long waitedMs, Map<String, Object> values) {
    }

    private final GpuMemoryProbe probe;
    private final Duration timeout;
    private final long margin;
    private final LongFunction<OptionalLong> deviceLimit;
    private final Supplier<Map<Integer, Long>> footprint;

    /**
     * @param deviceLimit the bytes a device of the given total may have in use; empty without max_device_memory
     * @param footprint   what the server held on each device once started, by device index (empty: not known yet)
     */
    GpuRelease(GpuMemoryProbe probe, Duration timeout, long margin, LongFunction<OptionalLong> deviceLimit,
               Supplier<Map<Integer, Long>> footprint) {
        this.probe = probe;
        this.timeout = timeout;
        this.margin = margin;
        this.deviceLimit = deviceLimit;
        this.footprint = footprint;
    }

    /** Memory that no listed process accounts for, per watched device (index → bytes); empty if NVML cannot tell. */
    Map<Integer, Long> baseline() {
        GpuReading r = probe.read(Set.of());
        Map<Integer, Long> unowned = new LinkedHashMap<>();
        if (r.status() == GpuReading.Status.OK) {
            for (DeviceReading d : r.devices()) {
                unowned.put(d.index(), unowned(d));
            }
        }
        return unowned;
    }

    /**
     * Waits up to release_timeout until no pid of the old tree is listed and, when a launch follows, the unowned
     * memory is back within the margin of {@code baseline}. Unowned memory still over it at the timeout is said
     * ({@code unowned_over_baseline}) but does not hold the launch: whose it is cannot be known, and the fit check
     * before the launch judges whether the server has room.
     */
    Result await(Set<Long> oldPids, Map<Integer, Long> baseline, boolean launchFollows) {
        return poll(oldPids, launchFollows ? baseline : Map.of(), timeout);
    }

    /** One look, no waiting: do pids of the old tree still hold memory? */
    Result check(Set<Long> oldPids) {
        return poll(oldPids, Map.of(), Duration.ZERO);
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
            Map<String, Object> holders = new TreeMap<>();
            Map<String, Object> unownedOver = new LinkedHashMap<>();
            for (DeviceReading d : r.devices()) {
                for (GpuProcess p : d.processes()) {
                    if (oldPids.contains(p.pid())) {
                        holders.put(Long.toString(p.pid()), p.usedBytes());
                    }
                }
                Long base = baseline.get(d.index());
                long unowned = unowned(d);
                if (base != null && unowned > base + margin) {
                    unownedOver.put(Integer.toString(d.index()), Map.of("unowned", unowned, "baseline", base,
                            "margin", margin));
                }
            }
            boolean timedOut = System.nanoTime() - deadline >= 0;
            if (holders.isEmpty() && (unownedOver.isEmpty() || timedOut)) {
                Map<String, Object> values = new LinkedHashMap<>();
                if (!unownedOver.isEmpty()) {
                    values.put("unowned_over_baseline", unownedOver);
                    values.put("processes", describe(r));
                }
                return new Result(true, false, waited, values);
            }
            if (timedOut) {
                Map<String, Object> values = new LinkedHashMap<>();
                values.put("old_pids_holding", holders);
                values.put("unowned_over_baseline", unownedOver);
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

    /**
     * Whether a watched device cannot fit the server now: empty when every device has room for its footprint (or the
     * footprint or the device is not known), else the {@code gpu_busy} values: per device what is in use, the ceiling
     * (max_device_memory, else the total), what the server needs, and who holds how much.
     */
    Optional<Busy> busy() {
        Map<Integer, Long> needs = footprint.get();
        if (needs.isEmpty()) {
            return Optional.empty();
        }
        GpuReading r = probe.read(Set.of());
        if (r.status() != GpuReading.Status.OK) {
            return Optional.empty(); // cannot tell: launch, and let the server say whether it fits
        }
        List<Map<String, Object>> devices = new ArrayList<>();
        List<String> words = new ArrayList<>();
        for (DeviceReading d : r.devices()) {
            long need = needs.getOrDefault(d.index(), 0L);
            OptionalLong limit = deviceLimit.apply(d.total());
            // The device's limit is the ceiling where the server alone fits under it; where it does not (a limit set
            // below the server's own size), the limit cannot be met by waiting, and only the total can be.
            long ceiling = limit.isPresent() && need <= limit.getAsLong()
                    ? Math.min(limit.getAsLong(), d.total()) : d.total();
            long free = ceiling - d.used();
            if (need <= 0 || need <= free) {
                continue;
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("device", d.index());
            m.put("uuid", d.uuid());
            m.put("used", d.used());
            m.put("total", d.total());
            m.put("limit", limit.isPresent() ? limit.getAsLong() : null);
            m.put("ceiling", ceiling);
            m.put("needs", need);
            m.put("free", Math.max(0, free));
            Map<String, Object> processes = new TreeMap<>();
            for (GpuProcess p : d.processes()) {
                processes.put(Long.toString(p.pid()), p.usedBytes());
            }
            m.put("processes", processes);
            m.put("unowned", unowned(d));
            devices.add(m);
            words.add("GPU " + d.index() + " has " + DataSize.human(Math.max(0, free)) + " free"
                    + (ceiling < d.total() ? " under its limit of " + DataSize.human(ceiling) : "") + ", the server needs "
                    + DataSize.human(need) + "; in use " + DataSize.human(d.used()) + holders(d));
        }
        if (devices.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new Busy(Map.of("devices", devices), String.join("; ", words)));
    }

    /** A device that cannot fit the server: the audit values and one readable line. */
    record Busy(Map<String, Object> values, String detail) {
    }

    private static String holders(DeviceReading d) {
        if (d.processes().isEmpty()) {
            return ", by no listed process";
        }
        List<String> each = new ArrayList<>();
        d.processes().stream().sorted((a, b) -> Long.compare(b.usedBytes(), a.usedBytes()))
                .forEach(p -> each.add("pid " + p.pid() + " " + (p.usageKnown() ? DataSize.human(p.usedBytes()) : "?")));
        long unowned = unowned(d);
        return ": " + String.join(", ", each) + (unowned > 0 ? ", unlisted " + DataSize.human(unowned) : "");
    }

    /** The device's used memory that no listed process with a figure accounts for. */
    static long unowned(DeviceReading d) {
        long listed = 0;
        for (GpuProcess p : d.processes()) {
            if (p.usageKnown()) {
                listed += p.usedBytes();
            }
        }
        return Math.max(0, d.used() - listed);
    }

    /** Every process on the watched devices (device:pid → bytes), to name who holds the memory. */
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
