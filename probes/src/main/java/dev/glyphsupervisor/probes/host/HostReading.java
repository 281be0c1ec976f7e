package dev.glyphsupervisor.probes.host;

import java.time.Duration;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * One reading of host memory for a process tree, in bytes.
 *
 * @param treeRssBytes   the sum of the tree's resident set sizes, or -1 when the status is UNKNOWN. RSS counts
 *                       pages shared between tree processes once per process, so this is an upper bound of
 *                       what the tree holds, which is the safe side for a limit
 * @param perPidRss      the RSS of each tree pid still alive, in pid order (pids gone by now are left out)
 * @param availableBytes the host's MemAvailable (what can be allocated without swapping), -1 when UNKNOWN
 * @param totalBytes     the host's physical memory, -1 when UNKNOWN
 * @param latency        how long the reading took
 * @param status         OK, or UNKNOWN when reading failed; UNKNOWN must never restart a server by itself
 * @param reason         why UNKNOWN; empty when OK
 */
public record HostReading(long treeRssBytes, Map<Long, Long> perPidRss, long availableBytes, long totalBytes,
                          Duration latency, Status status, String reason) {

    public enum Status { OK, UNKNOWN }

    public HostReading {
        Objects.requireNonNull(latency, "latency");
        Objects.requireNonNull(status, "status");
        perPidRss = Collections.unmodifiableMap(new TreeMap<>(perPidRss));
        reason = reason == null ? "" : reason;
    }

    static HostReading unknown(String reason, Duration latency) {
        return new HostReading(-1, Map.of(), -1, -1, latency, Status.UNKNOWN, reason);
    }
}
