package dev.glyphsupervisor.e2e;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * One supervisor under comparison (glyph-supervisor, supervisord, PM2), running one {@link ServerProgram}.
 * The faults and measurements ({@link Faults}) are the same for every tool; an implementation only knows how
 * to start, ask and stop its tool.
 */
interface Supervised extends AutoCloseable {

    /** What the benchmark asks of the tool's configuration; only glyph-supervisor has probes to set. */
    enum Scenario {
        /** Deaths (the server, or its parent with orphan workers): probes once a minute, restarts at once. */
        DEATHS,
        /** Hangs: HTTP probe every 1 s, failure_threshold 2, 1 s timeout (bound 3 s). */
        HANGS,
        /** Idle: probes once a minute, as the examples. */
        IDLE,
        /** Probe cycles: every 250 ms, process + HTTP, and GPU memory through the fake NVML when given. */
        PROBE_CYCLES,
        /** The program brings its own glyph-supervisor config (the reference runtime's). */
        OWN_CONFIG
    }

    /** The tool and its version, e.g. "supervisord 4.2.5". */
    String name();

    /** Starts the tool's daemon supervising {@code program}; returns once the daemon runs (not the program). */
    void start(ServerProgram program, Scenario scenario) throws Exception;

    /** The daemon process whose memory and CPU count (the JVM, supervisord's python, PM2's God daemon). */
    long daemonPid();

    /** The tool's status commands (label -> argv), each run as a user would, with {@link #environment()}. */
    Map<String, List<String>> statusCommands();

    default Map<String, String> environment() {
        return Map.of();
    }

    /** Whether the daemon process still runs (a zombie does not). */
    default boolean daemonAlive() {
        return dev.glyphsupervisor.runtime.ProcessTable.get(daemonPid()).map(p -> !p.isZombie()).orElse(false);
    }

    /** What the tool recorded, for a failure message (its log's last lines). */
    default String diagnostics() {
        return "";
    }

    /** After a fault the tool gave up on (FATAL, errored): start the program again as an operator would. */
    void restartProgram() throws Exception;

    /** What the tool says of the program now, in one line (its status command's answer, condensed). */
    default String programState() {
        List<String> argv = statusCommands().values().iterator().next();
        Executables.Result r = Executables.run(argv, environment());
        String text = r.output().strip().replaceAll("\\s*\\n\\s*", " / ").replaceAll("\\s+", " ");
        return (text.length() > 160 ? text.substring(0, 160) + "..." : text) + " (exit " + r.exit() + ")";
    }

    /** When the tool itself recorded deciding to restart, at or after {@code sinceEpochMs}; empty if it keeps no such record. */
    default OptionalLong restartDecidedAt(long sinceEpochMs) {
        return OptionalLong.empty();
    }

    /** Stops the daemon and every process of the program (leftover orphans included). */
    @Override
    void close() throws Exception;

    static Map<String, List<String>> one(String label, List<String> argv) {
        Map<String, List<String>> m = new LinkedHashMap<>();
        m.put(label, argv);
        return m;
    }
}
