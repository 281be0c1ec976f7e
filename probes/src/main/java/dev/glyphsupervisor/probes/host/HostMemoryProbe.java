package dev.glyphsupervisor.probes.host;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import oshi.SystemInfo;
import oshi.hardware.GlobalMemory;
import oshi.software.os.OSProcess;
import oshi.software.os.OperatingSystem;

/**
 * Reads host memory for a process tree through OSHI: each tree pid's resident set size, and the host's
 * available and total memory. On Linux (the daemon's platform) that is {@code /proc/<pid>/stat} per pid and
 * {@code /proc/meminfo}'s MemAvailable, a few file reads per pid.
 *
 * <p>{@link #read} never throws; a failure is an UNKNOWN reading with its reason. Readings may come from
 * several threads. OSHI memoizes the host-wide figures for a fraction of a second (its default
 * expiration), which is far below any probe interval; per-process figures are read fresh each time.
 */
public final class HostMemoryProbe {

    private final OperatingSystem os;
    private final GlobalMemory memory;

    /** Builds OSHI's SystemInfo once: it detects the platform, which is worth doing only once. */
    public HostMemoryProbe() {
        SystemInfo system = new SystemInfo();
        this.os = system.getOperatingSystem();
        this.memory = system.getHardware().getMemory();
    }

    public HostReading read(Set<Long> treePids) {
        long start = System.nanoTime();
        try {
            Map<Long, Long> perPid = new HashMap<>();
            long tree = 0;
            for (long pid : treePids) {
                // OSHI takes int pids; Linux pids fit (pid_max is at most 2^22). A pid gone since the tree
                // was listed comes back null: it holds nothing any more.
                OSProcess process = pid > 0 && pid <= Integer.MAX_VALUE ? os.getProcess((int) pid) : null;
                if (process != null) {
                    long rss = process.getResidentMemory();
                    perPid.put(pid, rss);
                    tree += rss;
                }
            }
            return new HostReading(tree, perPid, memory.getAvailable(), memory.getTotal(), since(start),
                    HostReading.Status.OK, "");
        } catch (RuntimeException e) {
            return HostReading.unknown("host memory probe error: " + e, since(start));
        }
    }

    private static Duration since(long startNanos) {
        return Duration.ofNanos(System.nanoTime() - startNanos);
    }
}
