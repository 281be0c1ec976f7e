package dev.glyphsupervisor.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.glyphsupervisor.config.ConfigException;
import dev.glyphsupervisor.control.ControlClient;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.Map;

/** One call to the daemon with the LSB exit codes for what can go wrong (3: not running, 4: unknown). */
final class DaemonCall {

    static final int EXIT_NOT_RUNNING = 3;
    static final int EXIT_UNKNOWN = 4;

    /** The answer, or null after printing why and setting {@link #exit}. */
    JsonNode answer;
    int exit;

    static DaemonCall call(CommandSpec spec, DaemonAddress address, String command, Map<String, Object> args,
                           Duration timeout) {
        return call(spec.commandLine().getErr(), address, command, args, timeout);
    }

    static DaemonCall call(PrintWriter err, DaemonAddress address, String command, Map<String, Object> args,
                           Duration timeout) {
        DaemonCall c = new DaemonCall();
        try {
            JsonNode answer = address.client().call(command, args, timeout);
            if (!answer.path("ok").asBoolean(false)) {
                err.println("glyphctl " + command + ": " + answer.path("error").asText("the daemon refused"));
                c.exit = 1;
            } else {
                c.answer = answer;
            }
        } catch (ConfigException e) {
            err.println(e.getMessage());
            c.exit = Glyphctl.EXIT_USAGE;
        } catch (ControlClient.NotRunningException e) {
            err.println("glyphctl " + command + ": " + e.getMessage());
            c.exit = EXIT_NOT_RUNNING;
        } catch (ControlClient.UnreachableException e) {
            err.println("glyphctl " + command + ": " + e.getMessage());
            c.exit = EXIT_UNKNOWN;
        }
        err.flush();
        return c;
    }
}
