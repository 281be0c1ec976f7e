package dev.glyphsupervisor.cli;

import dev.glyphsupervisor.config.ConfigException;
import dev.glyphsupervisor.control.ControlClient;
import dev.glyphsupervisor.control.ControlReply;
import dev.glyphsupervisor.control.ControlRequest;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.time.Duration;

/** One call to the daemon with the LSB exit codes for what can go wrong (3: not running, 4: unknown). */
final class DaemonCall<R extends ControlReply> {

    static final int EXIT_NOT_RUNNING = 3;
    static final int EXIT_UNKNOWN = 4;

    /** The reply, or null after printing why and setting {@link #exit}. */
    R answer;
    /** The daemon's answer as it came, without "v" and "ok" (for --json); null with no answer. */
    ControlClient.Answer<R> raw;
    int exit;

    static <R extends ControlReply> DaemonCall<R> call(CommandSpec spec, DaemonAddress address, ControlRequest<R> request,
                                                      Duration timeout) {
        return call(spec.commandLine().getErr(), address, request, timeout);
    }

    static <R extends ControlReply> DaemonCall<R> call(PrintWriter err, DaemonAddress address, ControlRequest<R> request,
                                                      Duration timeout) {
        return call(err, address, request, timeout, request.command());
    }

    /** {@code command}: the glyphctl command the user typed, which the messages name (status asks for servers). */
    static <R extends ControlReply> DaemonCall<R> call(PrintWriter err, DaemonAddress address, ControlRequest<R> request,
                                                      Duration timeout, String command) {
        DaemonCall<R> c = new DaemonCall<>();
        try {
            c.raw = address.client().call(request, timeout);
            c.answer = c.raw.reply();
        } catch (ControlClient.RefusedException e) {
            err.println("glyphctl " + command + ": " + e.getMessage());
            // A name the daemon does not know, or none where it has several: the caller's usage, as for a bad option.
            c.exit = e.kind() != null ? Glyphctl.EXIT_USAGE : 1;
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
