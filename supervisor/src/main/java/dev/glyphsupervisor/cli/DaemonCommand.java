package dev.glyphsupervisor.cli;

import dev.glyphsupervisor.config.SupervisorConfig;
import dev.glyphsupervisor.daemon.Daemon;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

/** {@code glyphctl daemon}: supervise in the foreground (what systemd starts). */
@Command(name = "daemon", mixinStandardHelpOptions = true,
        description = "Run the supervisor in the foreground: launch the server, probe it, heal it.")
public final class DaemonCommand implements Callable<Integer> {

    @Mixin
    ConfigOption configOption;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        Logging.configure();
        SupervisorConfig config = configOption.loadOrReport(spec, true);
        if (config == null) {
            return Glyphctl.EXIT_USAGE;
        }
        try {
            new Daemon(config, Version.current()).run();
            return 0;
        } catch (Daemon.StartFailure e) {
            spec.commandLine().getErr().println("glyphctl daemon: " + e.getMessage());
            spec.commandLine().getErr().flush();
            return 1;
        }
    }
}
