package dev.glyphsupervisor.cli;

import dev.glyphsupervisor.control.ControlRequest;
import dev.glyphsupervisor.control.ServersReply;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The servers a command acts on: the names given, or {@code --all}, or none (the daemon's only server; a daemon of
 * several refuses that with the list of its servers, exit 2).
 */
final class ServerSelection {

    @Parameters(paramLabel = "NAME", arity = "0..*", completionCandidates = ServerNameCandidates.class,
            description = "The servers (default: the only one).")
    List<String> names = new ArrayList<>();

    @Option(names = "--all", description = "Every server of the daemon.")
    boolean all;

    /** A name in each request, or a single null (the only server); null after an error was said (exit in {@code exit}). */
    List<String> resolve(DaemonAddress address, PrintWriter err, String command, int[] exit) {
        if (all && !names.isEmpty()) {
            err.println("glyphctl " + command + ": give server names or --all, not both");
            err.flush();
            exit[0] = Glyphctl.EXIT_USAGE;
            return null;
        }
        if (!all) {
            List<String> asked = new ArrayList<>(new java.util.LinkedHashSet<>(names));
            if (asked.isEmpty()) {
                asked.add(null);
            }
            return asked;
        }
        DaemonCall<ServersReply> c = DaemonCall.call(err, address, new ControlRequest.Servers(), Duration.ofSeconds(5), command);
        if (c.answer == null) {
            exit[0] = c.exit;
            return null;
        }
        return c.answer.servers().stream().map(ServersReply.Line::name).toList();
    }

    /** "vllm: " before a named server's line; nothing for the only server (its lines read as they always did). */
    static String prefix(String name) {
        return name == null ? "" : name + ": ";
    }
}
