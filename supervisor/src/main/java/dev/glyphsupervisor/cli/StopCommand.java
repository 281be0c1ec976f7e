package dev.glyphsupervisor.cli;

import dev.glyphsupervisor.control.ControlRequest;
import dev.glyphsupervisor.control.StopReply;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.time.Duration;
import java.util.concurrent.Callable;

/** {@code glyphctl stop}: stop the server and keep it stopped (PAUSED) until {@code glyphctl start}. */
@Command(name = "stop", mixinStandardHelpOptions = true,
        description = "Stop the server and keep it stopped: probes do not heal it until 'glyphctl start'.")
public final class StopCommand implements Callable<Integer> {

    @Mixin
    DaemonAddress address;

    @Spec
    CommandSpec spec;

    @picocli.CommandLine.Mixin
    ServerSelection selection;

    @Override
    public Integer call() {
        int[] exit = {0};
        java.util.List<String> servers = selection.resolve(address, spec.commandLine().getErr(), "stop", exit);
        if (servers == null) {
            return exit[0];
        }
        // Dependents before what they require (the daemon stops them first anyway; this keeps the lines in order).
        servers = new java.util.ArrayList<>(servers);
        java.util.Collections.reverse(servers);
        int worst = 0;
        for (String server : servers) {
            worst = Math.max(worst, stop(server));
        }
        return worst;
    }

    private int stop(String server) {
        DaemonCall<StopReply> c = DaemonCall.call(spec, address, new ControlRequest.Stop(server), Duration.ofMinutes(10));
        if (c.answer == null) {
            return c.exit;
        }
        String state = c.answer.state();
        spec.commandLine().getOut().println((server == null ? "server " : server + ": ")
                + (state.equals("PAUSED") ? "stopped and paused by " + c.answer.pausedBy() : "not paused yet: " + state)
                + (c.answer.dependents().isEmpty() ? "" : "; stopped first, waiting for it: "
                        + String.join(", ", c.answer.dependents())));
        spec.commandLine().getOut().flush();
        return state.equals("PAUSED") ? 0 : 1;
    }
}
