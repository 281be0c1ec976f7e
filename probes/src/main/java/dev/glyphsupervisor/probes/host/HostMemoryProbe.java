package dev.glyphsupervisor.probes.host;

import java.io.FileInputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import oshi.SystemInfo;
import oshi.hardware.GlobalMemory;
import oshi.software.os.OSProcess;
import oshi.software.os.OperatingSystem;

/**
 * Reads host memory for a process tree: each tree pid's resident set size, and the host's available and total memory
 * (OSHI). On Linux (the daemon's platform) a pid's RSS is the resident field of {@code /proc/<pid>/statm} times the
 * page size, one small read per pid: the figure OSHI gives ({@code /proc/<pid>/stat}'s rss, in pages), without OSHI's
 * per-process work (~0.2 ms of CPU a pid, which a daemon of many servers paid for every server every second). Where
 * there is no {@code /proc}, OSHI reads each pid as before.
 *
 * <p>{@link #read} never throws; a failure is an UNKNOWN reading with its reason. Readings may come from
 * several threads. OSHI memoizes the host-wide figures for a fraction of a second (its default
 * expiration), which is far below any probe interval; per-process figures are read fresh each time.
 */
public final class HostMemoryProbe {

    private final OperatingSystem os;
    private final GlobalMemory memory;
    /** Whether RSS comes from /proc/PID/statm (Linux) rather than OSHI. */
    private final boolean statm;
    private final long pageSize;

    /** Builds OSHI's SystemInfo once: it detects the platform, which is worth doing only once. */
    public HostMemoryProbe() {
        SystemInfo system = new SystemInfo();
        this.os = system.getOperatingSystem();
        this.memory = system.getHardware().getMemory();
        this.pageSize = memory.getPageSize();
        this.statm = pageSize > 0 && residentPages(ProcessHandle.current().pid()) > 0;
    }

    public HostReading read(Set<Long> treePids) {
        long start = System.nanoTime();
        try {
            Map<Long, Long> perPid = new HashMap<>();
            long tree = 0;
            for (long pid : treePids) {
                long rss = rss(pid);
                if (rss >= 0) {
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

    /** The pid's resident set size in bytes, or -1 when it is gone (since the tree was listed): it holds nothing. */
    private long rss(long pid) {
        if (pid <= 0 || pid > Integer.MAX_VALUE) {
            return -1; // OSHI takes int pids; Linux pids fit (pid_max is at most 2^22)
        }
        if (statm) {
            long pages = residentPages(pid);
            return pages < 0 ? -1 : pages * pageSize;
        }
        OSProcess process = os.getProcess((int) pid);
        return process == null ? -1 : process.getResidentMemory();
    }

    /**
     * The second field of {@code /proc/<pid>/statm} (resident pages), or -1 when it cannot be read (gone, or no
     * /proc). The line is a few dozen bytes: {@code size resident shared text lib data dt}.
     */
    static long residentPages(long pid) {
        byte[] buffer = new byte[128];
        int length = 0;
        try (FileInputStream in = new FileInputStream("/proc/" + pid + "/statm")) {
            int n;
            while (length < buffer.length && (n = in.read(buffer, length, buffer.length - length)) > 0) {
                length += n;
            }
        } catch (IOException e) {
            return -1; // FileNotFoundException, or ESRCH when it exits while we read: gone
        }
        return parseResident(buffer, length);
    }

    /** The resident field of a statm line, or -1 when the line is not one. */
    static long parseResident(byte[] line, int length) {
        int i = 0;
        while (i < length && line[i] != ' ') {
            i++; // size
        }
        i++;
        long value = 0;
        int digits = 0;
        for (; i < length && line[i] >= '0' && line[i] <= '9'; i++, digits++) {
            value = value * 10 + (line[i] - '0');
        }
        return digits == 0 ? -1 : value;
    }

    private static Duration since(long startNanos) {
        return Duration.ofNanos(System.nanoTime() - startNanos);
    }
}
