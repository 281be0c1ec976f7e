package dev.glyphsupervisor.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.time.Duration;
import java.util.Map;
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
        DaemonCall c = DaemonCall.call(spec, address, "start", Map.of(), Duration.ofSeconds(15));
        if (c.answer == null) {
            return c.exit;
        }
        String was = c.answer.path("was").asText();
        spec.commandLine().getOut().println(was.equals("PAUSED")
                ? "resumed: state " + c.answer.path("state").asText() + ", generation " + c.answer.path("generation").asLong()
                : "not paused (state " + was + "): nothing to resume");
        spec.commandLine().getOut().flush();
        return 0;
    }
}
