package dev.glyphsupervisor.daemon;

import dev.glyphsupervisor.probes.Probe;
import dev.glyphsupervisor.probes.ProbeResult;
import dev.glyphsupervisor.runtime.LaunchedProcess;
import dev.glyphsupervisor.runtime.ProcInfo;
import dev.glyphsupervisor.runtime.ProcessTable;

import java.time.Duration;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Is the server's main process there and able to run? Death itself is noticed at once by the exit
 * callback; this probe catches what a callback cannot: a process stopped by SIGSTOP (state T), or a pid
 * that now belongs to someone else (start time differs).
 */
final class ProcessAliveProbe implements Probe {

    /** The probe's name in results, status and metrics. */
    static final String NAME = "process";

    private final Supplier<LaunchedProcess> process;

    ProcessAliveProbe(Supplier<LaunchedProcess> process) {
        this.process = process;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public ProbeResult check() {
        long start = System.nanoTime();
        LaunchedProcess p = process.get();
        if (p == null) {
            return ProbeResult.unknown(name(), "no process launched", elapsed(start));
        }
        Optional<ProcInfo> info = ProcessTable.get(p.pid());
        if (info.isEmpty() || info.get().isZombie() || info.get().startTicks() != p.startTicks()) {
            return ProbeResult.failure(name(), "pid " + p.pid() + " is gone", elapsed(start));
        }
        if (info.get().isStopped()) {
            return ProbeResult.failure(name(), "pid " + p.pid() + " is stopped (state T, e.g. SIGSTOP)", elapsed(start));
        }
        return ProbeResult.success(name(), "pid " + p.pid() + " state " + info.get().state(), elapsed(start));
    }

    private static Duration elapsed(long startNanos) {
        return Duration.ofNanos(System.nanoTime() - startNanos);
    }
}
