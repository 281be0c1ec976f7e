package dev.glyphsupervisor.control;

import java.util.List;

/**
 * The answer to {@code servers}: one line per server of the daemon, in start order (each after what it requires).
 *
 * @param servers the servers' lines
 */
public record ServersReply(List<Line> servers) implements ControlReply {

    public ServersReply {
        servers = List.copyOf(servers);
    }

    /**
     * One server: its state, its pid (null when none runs), generation, uptime (null when none runs), restarts (in all
     * and in the last 24 h), its tree's GPU memory (null when unknown or not watched), what it requires and what of
     * that it waits for, who paused it, and what the progress and inference probes of the running server say when
     * it needs a look ({@code probeNote}: "no progress 45 s", "progress unknown", "inference failing 2/3",
     * "inference slow"; null when all is well, when they are not configured, or from a daemon older than them).
     */
    public record Line(String name, String state, Long pid, long generation, Long uptimeS, long restartsTotal,
                       long restarts24h, Long gpuTreeBytes, List<String> requires, List<String> waitingFor,
                       String pausedBy, String probeNote) {
        public Line {
            requires = List.copyOf(requires);
            waitingFor = List.copyOf(waitingFor);
        }
    }
}
