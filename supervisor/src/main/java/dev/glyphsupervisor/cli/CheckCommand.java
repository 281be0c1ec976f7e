package dev.glyphsupervisor.cli;

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
        out.println("  command:   " + config.runtime().command());
        out.println("  workdir:   " + config.runtime().workdir());
        out.println("  state_dir: " + config.stateDir());
        out.println("  audit:     " + config.audit().path());
        out.println("  probes:    " + config.probes().schedule().describe() + ", failure_threshold "
                + config.probes().failureThreshold());
        // systemd's TimeoutStopSec=90s is extended to this at each stop (EXTEND_TIMEOUT_USEC): docs/systemd.md
        out.println("  stop:      at most " + dev.glyphsupervisor.daemon.ShutdownBudget.of(config).describe());
        out.println("  next probe times:");
        for (Instant t : config.probes().schedule().nextTimes(Instant.now(), 3, zone)) {
            out.println("    " + TIME.format(t.atZone(zone)));
        }
        return 0;
    }
}
