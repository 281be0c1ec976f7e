package dev.glyphsupervisor.cli;

import dev.glyphsupervisor.control.ControlRequest;
import dev.glyphsupervisor.control.StartReply;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.time.Duration;
import java.util.concurrent.Callable;

/** {@code glyphctl start}: resume a server paused by {@code glyphctl stop}. */
@Command(name = "start", mixinStandardHelpOptions = true, description = "Resume a server paused by 'glyphctl stop'.")
public final class StartCommand implements Callable<Integer> {

    @Mixin
    DaemonAddress address;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        DaemonCall<StartReply> c = DaemonCall.call(spec, address, new ControlRequest.Start(), Duration.ofSeconds(15));
        if (c.answer == null) {
            return c.exit;
        }
        StartReply r = c.answer;
        spec.commandLine().getOut().println(r.was().equals("PAUSED")
                ? "resumed: state " + r.state() + ", generation " + r.generation()
                : "not paused (state " + r.was() + "): nothing to resume");
        spec.commandLine().getOut().flush();
        return 0;
    }
}
