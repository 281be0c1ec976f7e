package dev.glyphsupervisor.cli;

import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;

/** One glyphctl invocation with its output captured. StringWriter is synchronized, so another thread may read it live. */
final class CliRun {

    final StringWriter out = new StringWriter();
    final StringWriter err = new StringWriter();
    final CommandLine cli = Glyphctl.commandLine();

    CliRun() {
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
    }

    int execute(String... args) {
        return cli.execute(args);
    }
}
