package dev.glyphsupervisor.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
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

    @Override
    public Integer call() {
        Map<String, Object> args = new LinkedHashMap<>();
        args.put("reason", reason);
        args.put("wait", !noWait);
        if (timeout != null) {
            args.put("timeout_ms", timeout.toMillis());
        }
        // The client waits a little longer than the daemon, so that the daemon's own answer arrives.
        Duration clientTimeout = noWait ? Duration.ofSeconds(10)
                : (timeout != null ? timeout : Duration.ofHours(1)).plusSeconds(10);
        DaemonCall c = DaemonCall.call(spec, address, "restart", args, clientTimeout);
        if (c.answer == null) {
            return c.exit;
        }
        PrintWriter out = spec.commandLine().getOut();
        if (noWait) {
            out.println("restart requested");
            out.flush();
            return 0;
        }
        boolean healthy = c.answer.path("healthy").asBoolean();
        out.printf("%s: generation %d, pid %s, state %s, after %d ms%n", healthy ? "healthy again" : "NOT healthy",
                c.answer.path("generation").asLong(), c.answer.path("pid").asText(), c.answer.path("state").asText(),
                c.answer.path("took_ms").asLong());
        out.flush();
        return healthy ? 0 : 1;
    }
}
