package dev.glyphsupervisor.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** main's short tree (one subcommand, or none for --version) answers exactly as the full tree does. */
class GlyphctlFastPathTest {

    @Test
    void sameOutputAndExitCodeAsTheFullTree() {
        String[][] calls = {
                {"--version"}, {"-V"},
                {"status", "--help"}, {"restart", "--help"}, {"stop", "-h"}, {"start", "--help"},
                {"status", "--bogus"}, {"status", "--socket"}, {"restart", "--timeout", "soon"},
                {"status", "--socket", "/nonexistent/glyph/control.sock"},
                {"stop", "--socket", "/nonexistent/glyph/control.sock"},
        };
        for (String[] call : calls) {
            String[] full = run(Glyphctl.commandLine(), call);
            String[] fast = run(Glyphctl.commandLine(call), call);
            assertEquals(String.join(" ", call) + "\n" + String.join("\n", full),
                    String.join(" ", call) + "\n" + String.join("\n", fast));
        }
    }

    @Test
    void onlyTheCalledCommandIsBuilt() {
        assertEquals(1, Glyphctl.commandLine("status", "--json").getSubcommands().size());
        assertTrue(Glyphctl.commandLine("--version").getSubcommands().isEmpty());
        assertTrue(Glyphctl.commandLine("events").getSubcommands().size() > 5);
        assertTrue(Glyphctl.commandLine("--help").getSubcommands().size() > 5);
    }

    private static String[] run(CommandLine cli, String[] args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int exit = cli.execute(args);
        return new String[] {"exit " + exit, "out " + out, "err " + err};
    }
}
