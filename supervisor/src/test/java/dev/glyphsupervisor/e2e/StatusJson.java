package dev.glyphsupervisor.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.glyphsupervisor.cli.Glyphctl;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;

/** {@code glyphctl status --json} of a daemon under test, run in this JVM. */
final class StatusJson {

    private StatusJson() {
    }

    static JsonNode of(java.nio.file.Path config) throws Exception {
        StringWriter out = new StringWriter();
        CommandLine cli = Glyphctl.commandLine();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(new StringWriter()));
        cli.execute("status", "--json", "--config", config.toString());
        return new ObjectMapper().readTree(out.toString());
    }
}
