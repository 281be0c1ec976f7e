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

    @Override
    public Integer call() {
        DaemonCall<StopReply> c = DaemonCall.call(spec, address, new ControlRequest.Stop(), Duration.ofMinutes(10));
        if (c.answer == null) {
            return c.exit;
        }
        String state = c.answer.state();
        spec.commandLine().getOut().println("server " + (state.equals("PAUSED") ? "stopped and paused by "
                + c.answer.pausedBy() : "not paused yet: " + state));
        spec.commandLine().getOut().flush();
        return state.equals("PAUSED") ? 0 : 1;
    }
}
