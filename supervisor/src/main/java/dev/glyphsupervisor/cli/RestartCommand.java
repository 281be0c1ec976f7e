package dev.glyphsupervisor.cli;

import dev.glyphsupervisor.control.ControlRequest;
import dev.glyphsupervisor.control.RestartReply;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;

/** {@code glyphctl restart}: a graceful restart, by default waiting until the server is healthy again. */
@Command(name = "restart", mixinStandardHelpOptions = true,
        description = "Restart the server gracefully (audited with reason 'operator' and your user name).")
public final class RestartCommand implements Callable<Integer> {

    @Mixin
    DaemonAddress address;

    @Spec
    CommandSpec spec;

    @Option(names = "--reason", paramLabel = "TEXT", description = "Why (recorded in the audit log).", defaultValue = "operator")
    String reason;

    @Option(names = "--no-wait", description = "Return once the restart is asked for, not when it is healthy.")
    boolean noWait;

    @Option(names = "--timeout", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "How long to wait for healthy (default: the config's startup_timeout + stop_grace).")
    Duration timeout;

    @picocli.CommandLine.Mixin
    ServerSelection selection;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        int[] exit = {0};
        List<String> servers = selection.resolve(address, err, "restart", exit);
        if (servers == null) {
            return exit[0];
        }
        // A required server's restart restarts its dependents too: one asked for already is not asked again.
        java.util.Set<String> restarted = new java.util.HashSet<>();
        int worst = 0;
        for (String server : servers) {
            if (server == null || restarted.add(server)) {
                worst = Math.max(worst, restart(server, restarted));
            }
        }
        return worst;
    }

    private int restart(String server, java.util.Set<String> restarted) {
        ControlRequest.Restart request = new ControlRequest.Restart(server, reason, !noWait, Optional.ofNullable(timeout));
        // The client waits a little longer than the daemon, so that the daemon's own answer arrives.
        Duration clientTimeout = noWait ? Duration.ofSeconds(10)
                : (timeout != null ? timeout : Duration.ofHours(1)).plusSeconds(10);
        DaemonCall<RestartReply> c = DaemonCall.call(spec, address, request, clientTimeout);
        if (c.answer == null) {
            return c.exit;
        }
        PrintWriter out = spec.commandLine().getOut();
        if (noWait) {
            out.println(ServerSelection.prefix(server) + "restart requested");
            out.flush();
            return 0;
        }
        RestartReply.Finished r = (RestartReply.Finished) c.answer; // asked to wait: how the wait ended
        boolean healthy = r.healthy();
        out.printf("%s%s: generation %d, pid %s, state %s, after %d ms%n", ServerSelection.prefix(server),
                healthy ? "healthy again" : "NOT healthy", r.generation(), r.pid(), r.state(), r.tookMs());
        r.dependents().forEach((name, state) -> {
            restarted.add(name);
            out.printf("  and %s, which requires it: stopped first, started after it: %s%n", name, state);
        });
        out.flush();
        return healthy ? 0 : 1;
    }
}
