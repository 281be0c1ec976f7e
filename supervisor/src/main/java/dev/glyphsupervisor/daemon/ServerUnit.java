package dev.glyphsupervisor.daemon;

import dev.glyphsupervisor.audit.AuditSink;
import dev.glyphsupervisor.config.ServerConfig;
import dev.glyphsupervisor.core.MemoryWatch;
import dev.glyphsupervisor.core.SupervisorStateMachine;
import dev.glyphsupervisor.metrics.MetricsSink;
import dev.glyphsupervisor.probes.gpu.GpuMemoryProbe;
import dev.glyphsupervisor.probes.gpu.Nvml;
import dev.glyphsupervisor.probes.host.HostMemoryProbe;

import java.io.IOException;
import java.time.Clock;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;

/**
 * One server of the daemon and everything that supervises it alone: its runtime control (launch, stop, release
 * checks in its own state directory), its probes, memory watch and reader, its persisted history, and its event loop.
 * What the servers share (the lock, the audit log, NVML, metrics, the schedule, the control socket) stays in
 * {@link Daemon}.
 */
record ServerUnit(ServerConfig config, AuditSink audit, ProcessRuntimeControl runtime, ProbeSet probes,
                  MemoryWatch watch, MemoryReader reader, StateHistory history, Supervisor supervisor) {

    String name() {
        return config.name();
    }

    /** Builds the server's parts; {@code nvml}: the daemon's one NVML per library path (opened lazily). */
    static ServerUnit build(ServerConfig server, AuditSink audit, MetricsSink metrics,
                            Function<Optional<java.nio.file.Path>, Nvml> nvml) {
        Optional<GpuMemoryProbe> gpuProbe = server.probes().gpu()
                .map(g -> new GpuMemoryProbe(nvml.apply(g.library()), g.devices()));
        MemoryWatch watch = new MemoryWatch(CoreConfig.limits(server));
        // A launch needs room for what the server held once started (the watch's footprint) under the device limit.
        Optional<GpuRelease> gpuRelease = server.probes().gpu().map(g -> new GpuRelease(gpuProbe.orElseThrow(),
                g.releaseTimeout(), g.releaseMargin(), watch::deviceLimit, watch::footprint));
        ProcessRuntimeControl runtime = new ProcessRuntimeControl(server.runtime(), server.restart(), audit,
                server.runtime().home(), gpuRelease, server.stateDir());
        ProbeSet probes = new ProbeSet(server.runtime(), server.probes(), runtime::mainProcess,
                runtime::beforeProbeCycle);
        SupervisorStateMachine machine = new SupervisorStateMachine(CoreConfig.settings(server),
                () -> ThreadLocalRandom.current().nextDouble());
        StateHistory history = StateHistory.load(server.stateDir());
        MemoryReader reader = new MemoryReader(gpuProbe, server.probes().host().map(h -> new HostMemoryProbe()),
                runtime::current, Clock.systemUTC());
        Optional<ProgressCheck> progress = ConfiguredProbes.progress(server.runtime(), server.probes())
                .map(scraper -> new ProgressCheck(scraper, new dev.glyphsupervisor.core.ProgressWatch(
                        server.probes().progress().orElseThrow().stallAfter(),
                        server.probes().progress().orElseThrow().scrapeTimeoutIsStuck()), Clock.systemUTC()));
        Optional<InferenceCheck> inference = ConfiguredProbes.inference(server.probes())
                .map(probe -> new InferenceCheck(probe, progress, Clock.systemUTC()));
        Supervisor supervisor = new Supervisor(machine, runtime, audit, Clock.systemUTC(), probes,
                server.probes().startupInterval(), TreeMemoryCheck.of(reader, watch, runtime::noteTree, metrics),
                metrics, history, progress, inference);
        return new ServerUnit(server, audit, runtime, probes, watch, reader, history, supervisor);
    }

    /**
     * A previous daemon's server of this state directory (it was SIGKILLed and we are its replacement): adopted if it
     * is the recorded one and healthy, every other tree of the directory stopped. Never two, never an orphan.
     */
    Recovery.Outcome recover() throws IOException {
        return new Recovery(config.stateDir(), audit, config.runtime().stopGrace(), config.restart().killTimeout())
                .recover(runtime::install, probes);
    }

    /** The adoption found by {@link #recover}, or the first launch. */
    void start(Recovery.Outcome recovered) {
        if (recovered.adopted().isPresent()) {
            supervisor.adopt(recovered.adopted().get(), runtime);
        } else {
            // The larger of the two: the history is written before each launch, the record after it.
            supervisor.start(Math.max(recovered.lastGeneration(), history.lastGeneration()),
                    recovered.previousEndedUnclean());
        }
    }
}
