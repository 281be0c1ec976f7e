package dev.glyphsupervisor.e2e;

import dev.glyphsupervisor.cli.Glyphctl;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;

/** One glyphctl call in the test's JVM (the command model and the real control socket, no process start). */
final class InJvmGlyphctl {

    /** Its exit code, output and error output. */
    record Result(int exit, String out, String err) {
    }

    private InJvmGlyphctl() {
    }

    static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = Glyphctl.commandLine();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int exit = cli.execute(args);
        return new Result(exit, out.toString(), err.toString());
    }
}
