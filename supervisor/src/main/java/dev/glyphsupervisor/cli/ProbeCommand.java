package dev.glyphsupervisor.cli;

import dev.glyphsupervisor.config.GpuProbeConfig;
import dev.glyphsupervisor.config.ProbesConfig;
import dev.glyphsupervisor.config.ServerConfig;
import dev.glyphsupervisor.config.SupervisorConfig;
import dev.glyphsupervisor.core.MemoryLimits;
import dev.glyphsupervisor.daemon.ConfiguredProbes;
import dev.glyphsupervisor.daemon.CoreConfig;
import dev.glyphsupervisor.probes.Probe;
import dev.glyphsupervisor.probes.ProbeResult;
import dev.glyphsupervisor.probes.ProbeStatus;
import dev.glyphsupervisor.probes.gpu.GpuMemoryProbe;
import dev.glyphsupervisor.probes.gpu.Nvml;
import dev.glyphsupervisor.probes.host.HostMemoryProbe;
import dev.glyphsupervisor.runtime.PortCheck;
import dev.glyphsupervisor.runtime.PortHolder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;

/**
 * {@code glyphctl probe}: the configured probes, run once from here, with no daemon. Without a daemon there is
 * no launched tree, so the memory probes look at the whole tree of whoever listens on the configured port
 * ({@link ServerPids}), as the daemon counts its server's.
 */
@Command(name = "probe", mixinStandardHelpOptions = true,
        description = "Run the configured probes once, without a daemon: TCP port, HTTP health, GPU and host memory.",
        footer = "%nExit codes: 0 every probe SUCCESS, 1 any FAILURE or UNKNOWN, 2 usage error or invalid config.")
public final class ProbeCommand implements Callable<Integer> {

    @Mixin
    ConfigOption configOption;

    @Spec
    CommandSpec spec;

    @picocli.CommandLine.Parameters(paramLabel = "NAME", arity = "0..*", completionCandidates = ServerNameCandidates.class,
            description = "The servers to probe (default: every server of the config).")
    List<String> names = new ArrayList<>();

    @Override
    public Integer call() {
        SupervisorConfig config = configOption.loadOrReport(spec, false);
        if (config == null) {
            return Glyphctl.EXIT_USAGE;
        }
        PrintWriter out = spec.commandLine().getOut();
        List<ServerConfig> servers = new ArrayList<>();
        for (String name : names) {
            Optional<ServerConfig> server = config.server(name);
            if (server.isEmpty()) {
                spec.commandLine().getErr().println("glyphctl probe: no server '" + name + "' in " + config.source()
                        + "; the servers are " + String.join(", ", config.serverNames()));
                return Glyphctl.EXIT_USAGE;
            }
            servers.add(server.get());
        }
        boolean allSucceeded = true;
        for (ServerConfig server : servers.isEmpty() ? config.servers() : servers) {
            if (config.servers().size() > 1) {
                out.println("[" + server.name() + "]");
            }
            allSucceeded &= probe(server, out);
        }
        return allSucceeded ? 0 : 1;
    }

    private static boolean probe(ServerConfig server, PrintWriter out) {
        Set<Long> serverPids = serverPids(server, out);
        ProbesConfig probes = server.probes();
        boolean allSucceeded = true;
        // NVML is initialised on first use and shut down here, so a config without probes.gpu never loads it
        try (Nvml nvml = Nvml.open(probes.gpu().flatMap(GpuProbeConfig::library))) {
            // The daemon's own probes and limits: what it would judge, judged the same way.
            MemoryLimits limits = CoreConfig.limits(server);
            List<Probe> list = new ArrayList<>(ConfiguredProbes.server(server.runtime(), probes));
            probes.gpu().ifPresent(gpu -> list.add(new GpuCheck(new GpuMemoryProbe(nvml, gpu.devices()), gpu, limits,
                    serverPids)));
            probes.host().ifPresent(host -> list.add(new HostCheck(new HostMemoryProbe(), limits, serverPids)));
            if (list.isEmpty()) {
                out.println("no probes configured (no runtime.port, probes.http, probes.gpu or probes.host)");
            }
            for (Probe probe : list) {
                ProbeResult r = probe.check();
                out.println(line(r));
                out.flush();
                allSucceeded &= r.status() == ProbeStatus.SUCCESS;
            }
        }
        return allSucceeded;
    }

    /** Who listens on the port now; the memory probes measure those pids. Announced, since it is a guess. */
    private static Set<Long> serverPids(ServerConfig config, PrintWriter out) {
        if (config.runtime().port().isEmpty()) {
            out.println("server: no runtime.port configured, so no server pids to measure");
            return Set.of();
        }
        int port = config.runtime().port().getAsInt();
        Optional<PortHolder> holder = PortCheck.holder(port);
        if (holder.isEmpty()) {
            out.println("server: nothing listens on port " + port);
            return Set.of();
        }
        if (holder.get().pid() <= 0) {
            out.println("server: port " + port + " is held by a process whose pid we may not see");
            return Set.of();
        }
        ServerPids.Found tree = ServerPids.of(holder.get().pid(), config.stateDir());
        out.println("server: pid " + holder.get().pid() + " listens on port " + port + " (" + holder.get().command() + "); "
                + tree.how() + ": pids " + tree.pids());
        return tree.pids();
    }

    static String line(ProbeResult r) {
        return String.format(Locale.ROOT, "%-4s  %-7s  %8.1f ms  %s", r.probe(), r.status(),
                r.latency().toNanos() / 1e6, r.detail());
    }
}
