package dev.glyphsupervisor.cli;

import dev.glyphsupervisor.config.GpuProbeConfig;
import dev.glyphsupervisor.config.HumanDuration;
import dev.glyphsupervisor.config.InferenceProbeConfig;
import dev.glyphsupervisor.config.ProgressProbeConfig;
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
import dev.glyphsupervisor.probes.inference.InferenceProbe;
import dev.glyphsupervisor.probes.inference.InferenceResult;
import dev.glyphsupervisor.probes.progress.ProgressScraper;
import dev.glyphsupervisor.probes.progress.Scrape;
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
        description = "Run the configured probes once, without a daemon: TCP port, HTTP health, GPU and host memory,"
                + " the progress probe's scrape and the inference probe's request.",
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
            if (list.isEmpty() && probes.progress().isEmpty() && probes.inference().isEmpty()) {
                out.println("no probes configured (no runtime.port, probes.http, probes.gpu, probes.host, probes.progress"
                        + " or probes.inference)");
            }
            List<java.util.function.Supplier<ProbeResult>> checks = new ArrayList<>();
            list.forEach(probe -> checks.add(probe::check));
            probes.progress().ifPresent(p -> checks.add(() -> progress(server)));
            probes.inference().ifPresent(i -> checks.add(() -> inference(server)));
            for (java.util.function.Supplier<ProbeResult> check : checks) {
                ProbeResult r = check.get();
                out.println(line(r));
                out.flush();
                allSucceeded &= r.status() == ProbeStatus.SUCCESS;
            }
        }
        return allSucceeded;
    }

    /**
     * One scrape of the server's metrics, as the daemon's progress probe takes it: the numbers it would judge. One
     * scrape cannot show a stall (that takes the counter standing still under pending work for stall_after), so a
     * readable scrape is SUCCESS; an unreadable one is UNKNOWN, as the daemon reads it.
     */
    static ProbeResult progress(ServerConfig server) {
        ProgressProbeConfig config = server.probes().progress().orElseThrow();
        ProgressScraper scraper = ConfiguredProbes.progress(server.runtime(), server.probes()).orElseThrow();
        Scrape scrape = scraper.scrape();
        String preset = config.engine().map(e -> e.wireName() + " preset").orElse("metrics named in the config");
        if (scrape instanceof Scrape.Sample sample) {
            return ProbeResult.success(PROGRESS, number(sample.pending()) + " pending ("
                    + String.join(" + ", scraper.metrics().pending()) + "), counter " + number(sample.progress()) + " ("
                    + scraper.metrics().progress() + "), " + sample.series() + " series at " + scraper.url() + " (" + preset
                    + "); one scrape cannot judge a stall: the daemon restarts when work is pending and the counter"
                    + " stands still for stall_after " + HumanDuration.format(config.stallAfter()), sample.latency());
        }
        Scrape.Failed failed = (Scrape.Failed) scrape;
        String detail = failed.detail();
        if (failed.failure() == Scrape.Failure.TIMEOUT && config.scrapeTimeoutIsStuck()) {
            detail += " (llama.cpp answers /metrics from its engine loop: the daemon counts a timeout as no progress,"
                    + " and as a stall once it lasts stall_after " + HumanDuration.format(config.stallAfter()) + ")";
        }
        return ProbeResult.unknown(PROGRESS, detail, failed.latency());
    }

    /**
     * One real request, as the daemon's inference probe sends it. FAILED is a FAILURE; SLOW is a FAILURE only where
     * restart_on_slow makes the daemon count it as one, else a SUCCESS that says it was slow.
     */
    static ProbeResult inference(ServerConfig server) {
        InferenceProbeConfig config = server.probes().inference().orElseThrow();
        InferenceProbe probe;
        try {
            probe = ConfiguredProbes.inference(server.probes()).orElseThrow();
        } catch (IllegalArgumentException bad) {
            // The request the config describes cannot be sent (e.g. a body on a GET).
            return ProbeResult.failure(INFERENCE, "cannot send " + config.request().method() + " "
                    + config.request().url() + ": " + bad.getMessage(), java.time.Duration.ZERO);
        }
        InferenceResult r = probe.check();
        return switch (r.verdict()) {
            case OK -> ProbeResult.success(INFERENCE, r.detail(), r.latency());
            case SLOW -> config.restartOnSlow()
                    ? ProbeResult.failure(INFERENCE, "slow: " + r.detail() + " (restart_on_slow: counts as a failure)",
                            r.latency())
                    : ProbeResult.success(INFERENCE, "slow: " + r.detail() + " (reported only; restart_on_slow is off)",
                            r.latency());
            case FAILED -> ProbeResult.failure(INFERENCE, r.detail(), r.latency());
        };
    }

    private static final String PROGRESS = "progress";
    private static final String INFERENCE = "inference";

    private static String number(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : String.format(Locale.ROOT, "%.3g", v);
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
