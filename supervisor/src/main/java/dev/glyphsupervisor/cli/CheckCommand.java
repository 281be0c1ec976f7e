package dev.glyphsupervisor.cli;

import dev.glyphsupervisor.config.HumanDuration;
import dev.glyphsupervisor.config.ServerConfig;
import dev.glyphsupervisor.config.SupervisorConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.Callable;

/** {@code glyphctl check}: validate a config and show when the probes would run. */
@Command(name = "check", mixinStandardHelpOptions = true,
        description = "Validate a config file and print the next three probe times.")
public final class CheckCommand implements Callable<Integer> {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS xxx");

    @Mixin
    ConfigOption configOption;

    @Spec
    CommandSpec spec;

    @Option(names = "--syntax-only",
            description = "Skip the checks of this machine (command on PATH, directories writable): "
                    + "for a config written here and deployed elsewhere.")
    boolean syntaxOnly;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        SupervisorConfig config = configOption.loadOrReport(spec, !syntaxOnly);
        if (config == null) {
            return Glyphctl.EXIT_USAGE;
        }
        ZoneId zone = ZoneId.systemDefault();
        out.println(config.source() + ": OK");
        if (config.oneServerForm()) {
            ServerConfig server = config.onlyServer();
            out.println("  command:   " + server.runtime().command());
            out.println("  workdir:   " + server.runtime().workdir());
            out.println("  state_dir: " + config.stateDir());
            out.println("  audit:     " + config.audit().path());
            printProbesAndStop(out, server, "  ", zone);
            return 0;
        }
        out.println("  state_dir: " + config.stateDir());
        out.println("  audit:     " + config.audit().path());
        for (ServerConfig server : config.servers()) {
            out.println("  server " + server.name() + (server.requires().isEmpty() ? "" : " (requires "
                    + String.join(", ", server.requires()) + ")") + ":");
            out.println("    command:   " + server.runtime().command());
            out.println("    workdir:   " + server.runtime().workdir());
            out.println("    state:     " + server.stateDir());
            printProbesAndStop(out, server, "    ", zone);
        }
        return 0;
    }

    private static void printProbesAndStop(PrintWriter out, ServerConfig server, String indent, ZoneId zone) {
        out.println(indent + "probes:    " + server.probes().schedule().describe() + ", failure_threshold "
                + server.probes().failureThreshold());
        server.probes().progress().ifPresent(p -> out.println(indent + "progress:  "
                + p.urlFor(server.runtime().port()).map(Object::toString).orElse("?") + " ("
                + p.engine().map(e -> e.wireName() + " preset").orElse("pending " + p.metrics().pending() + ", progress "
                        + p.metrics().progress()) + "), stall_after " + HumanDuration.format(p.stallAfter())));
        server.probes().inference().ifPresent(i -> out.println(indent + "inference: " + i.request().method() + " "
                + i.request().url() + ", " + i.schedule().describe() + ", failure_threshold " + i.failureThreshold()
                + i.request().slowAfter().map(d -> ", slow_after " + HumanDuration.format(d)
                        + (i.restartOnSlow() ? " (restarts)" : " (reported only)")).orElse("")));
        // systemd's TimeoutStopSec=90s is extended to this at each stop (EXTEND_TIMEOUT_USEC): docs/systemd.md
        out.println(indent + "stop:      at most " + dev.glyphsupervisor.daemon.ShutdownBudget.of(server).describe());
        out.println(indent + "next probe times:");
        for (Instant t : server.probes().schedule().nextTimes(Instant.now(), 3, zone)) {
            out.println(indent + "  " + TIME.format(t.atZone(zone)));
        }
    }
}
