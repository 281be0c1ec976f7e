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

    @picocli.CommandLine.Mixin
    ServerSelection selection;

    @Override
    public Integer call() {
        int[] exit = {0};
        java.util.List<String> servers = selection.resolve(address, spec.commandLine().getErr(), "start", exit);
        if (servers == null) {
            return exit[0];
        }
        int worst = 0;
        for (String server : servers) {
            worst = Math.max(worst, start(server));
        }
        return worst;
    }

    private int start(String server) {
        DaemonCall<StartReply> c = DaemonCall.call(spec, address, new ControlRequest.Start(server), Duration.ofSeconds(15));
        if (c.answer == null) {
            return c.exit;
        }
        StartReply r = c.answer;
        spec.commandLine().getOut().println(ServerSelection.prefix(server) + (r.was().equals("PAUSED")
                ? "resumed: state " + r.state() + ", generation " + r.generation()
                : "not paused (state " + r.was() + "): nothing to resume"));
        spec.commandLine().getOut().flush();
        return 0;
    }
}
