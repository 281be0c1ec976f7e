package dev.glyphsupervisor.core;

import dev.glyphsupervisor.probes.ProbeResult;

import java.util.List;

/**
 * What happened. Events that concern one launch carry its generation; the state machine drops those
 * from an older generation (a late exit callback or probe result of a server already replaced).
 */
public sealed interface Event {

    /**
     * The daemon is up and holds the lock: start supervising. Generations continue from the last one a
     * previous daemon recorded, so that the audit log's story stays one story across daemon restarts.
     * {@code previousEndedUnclean}: the previous generation did not end in a clean stop (its daemon died, and this
     * one found the server gone or stopped it), so its caches are cleared before the first launch, as before
     * any relaunch.
     */
    record Start(long previousGeneration, boolean previousEndedUnclean) implements Event {
        public Start() {
            this(0, false);
        }
    }

    /** A previous daemon's server, found alive and healthy: supervise it as generation {@code generation}. */
    record Adopt(long generation, long pid) implements Event {
    }

    /** The launch of {@code generation} succeeded. */
    record Launched(long generation, long pid) implements Event {
    }

    /**
     * The launch of {@code generation} did not happen (the port held by another process, the GPU busy or not yet
     * released, the command could not be started): not a generation, not a crash of the server.
     */
    record LaunchFailed(long generation, String reason, String detail) implements Event {
    }

    /**
     * The server is gone: its main process exited ({@code exitCode} is 128+N when signal N killed it, -1 when unknown)
     * and either nothing of its tree is left, or it did not exit 0 (a crash, not a daemonizing launcher).
     * {@code output}: what the launch wrote, read when it exited (null: not read).
     */
    record Exited(long generation, int exitCode, OutputTail output) implements Event {
        public Exited(long generation, int exitCode) {
            this(generation, exitCode, null);
        }
    }

    /**
     * The main process exited 0 and left processes of its tree running: it started the server in the background
     * ({@code nohup app &}, a daemonizing wrapper), as systemd's {@code Type=forking} expects. The server lives on as
     * {@code survivors}; {@code mainPid} is its main process now ({@code holdsPort}: it, or a process under it,
     * listens on {@code runtime.port}).
     */
    record Forked(long generation, long exitedPid, long mainPid, List<Long> survivors, boolean holdsPort)
            implements Event {
        public Forked {
            survivors = List.copyOf(survivors);
        }
    }

    /**
     * One run of the probes. With liveness probes also the memory verdict: a passed limit ({@code breach},
     * or null), why the GPU could not be read ({@code gpuUnknown}, or null), and devices over their limit because
     * of other processes ({@code overLimit}, or null: not a restart); and the progress probe's reading of the
     * server's own metrics ({@code progress}, or null when there is none), a {@code stalled} restart when it says so.
     */
    record ProbeCycle(long generation, ProbePhase phase, List<ProbeResult> results, MemoryBreach breach,
                      String gpuUnknown, DeviceOverLimit overLimit, ProgressWatch.Reading progress) implements Event {
        public ProbeCycle {
            results = List.copyOf(results);
        }

        /** Without a progress reading (no {@code probes.progress}). */
        public ProbeCycle(long generation, ProbePhase phase, List<ProbeResult> results, MemoryBreach breach,
                          String gpuUnknown, DeviceOverLimit overLimit) {
            this(generation, phase, results, breach, gpuUnknown, overLimit, null);
        }

        public ProbeCycle(long generation, ProbePhase phase, List<ProbeResult> results, MemoryBreach breach,
                          String gpuUnknown) {
            this(generation, phase, results, breach, gpuUnknown, null);
        }

        public ProbeCycle(long generation, ProbePhase phase, List<ProbeResult> results) {
            this(generation, phase, results, null, null, null, null);
        }
    }

    /**
     * The inference probe ({@code probes.inference}) of {@code generation} answered: a real request, on its own
     * schedule. Not sent while the progress probe shows the server did real work since the last one.
     */
    record InferenceDone(long generation, dev.glyphsupervisor.probes.inference.InferenceResult result) implements Event {
        public InferenceDone {
            java.util.Objects.requireNonNull(result, "result");
        }
    }

    /**
     * The startup timeout of {@code generation} has passed. The machine schedules it without {@code output}; the daemon
     * adds what the launch wrote when it fires.
     */
    record StartupDeadline(long generation, OutputTail output) implements Event {
        public StartupDeadline(long generation) {
            this(generation, null);
        }
    }

    /**
     * The process tree of {@code generation} is stopped; {@code released} is false when it did not converge.
     * {@code output}: what the launch wrote, read after the stop (null: not read).
     */
    record Stopped(long generation, boolean released, String detail, OutputTail output) implements Event {
        public Stopped(long generation, boolean released, String detail) {
            this(generation, released, detail, null);
        }
    }

    /** The backoff (or crash-loop retry) delay before the next launch is over. */
    record RelaunchDue(long token) implements Event {
    }

    /** {@code glyphctl restart}: a graceful restart, asked by {@code by} (user name from SO_PEERCRED). */
    record OperatorRestart(String reason, String by) implements Event {
    }

    /** {@code glyphctl stop}: stop the server and keep it stopped. */
    record Pause(String by) implements Event {
    }

    /** {@code glyphctl start}: resume after a pause. */
    record Resume(String by) implements Event {
    }

    /** The maintenance schedule fired: a planned restart unless the server restarted recently. */
    record MaintenanceDue() implements Event {
    }

    /**
     * Servers this one requires ({@code requires:} in the config) are not healthy: {@code down}, their names (never
     * empty), and {@code why} (e.g. "vllm is BACKOFF"). The server does not run while this holds: a running tree is
     * stopped (not a restart, not counted), a pending relaunch cancelled, and the machine waits (WAITING) until
     * {@link RequirementsUp}. Each one replaces what the one before it said. A machine never told stays ungated.
     */
    record RequirementsDown(List<String> down, String why) implements Event {
        public RequirementsDown {
            down = List.copyOf(down);
            if (down.isEmpty()) {
                throw new IllegalArgumentException("RequirementsDown names no server (send RequirementsUp)");
            }
        }
    }

    /** Everything this server requires is healthy again: a server waiting for it is launched now. */
    record RequirementsUp() implements Event {
    }

    /** The daemon was asked to stop (SIGTERM/SIGINT): stop the server, then exit. */
    record Shutdown(String reason) implements Event {
    }
}
