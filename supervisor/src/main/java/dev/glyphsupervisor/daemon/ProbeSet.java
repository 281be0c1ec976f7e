package dev.glyphsupervisor.daemon;

import dev.glyphsupervisor.config.ProbesConfig;
import dev.glyphsupervisor.config.RuntimeConfig;
import dev.glyphsupervisor.probes.Probe;
import dev.glyphsupervisor.probes.ProbeResult;
import dev.glyphsupervisor.runtime.LaunchedProcess;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/** The probes the config asks for, run one after another: process, then TCP port, then HTTP health. */
final class ProbeSet implements Supplier<List<ProbeResult>> {

    private final List<Probe> probes;
    private final Runnable beforeEachCycle;

    ProbeSet(RuntimeConfig runtime, ProbesConfig config, Supplier<LaunchedProcess> process, Runnable beforeEachCycle) {
        List<Probe> list = new ArrayList<>();
        list.add(new ProcessAliveProbe(process));
        list.addAll(ConfiguredProbes.server(runtime, config));
        this.probes = List.copyOf(list);
        this.beforeEachCycle = beforeEachCycle;
    }

    @Override
    public List<ProbeResult> get() {
        beforeEachCycle.run();
        List<ProbeResult> results = new ArrayList<>(probes.size());
        for (Probe probe : probes) {
            ProbeResult r = probe.check();
            results.add(r);
            if (r.status() == dev.glyphsupervisor.probes.ProbeStatus.FAILURE && probe instanceof ProcessAliveProbe) {
                break; // a gone or stopped process: the port and HTTP probes would only wait out their timeouts
            }
        }
        return results;
    }
}
