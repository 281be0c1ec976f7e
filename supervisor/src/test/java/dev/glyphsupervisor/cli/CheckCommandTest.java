package dev.glyphsupervisor.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CheckCommandTest {

    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cli = Glyphctl.commandLine();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        return cli.execute(args);
    }

    private Path config(String command, String schedule) throws Exception {
        return Files.writeString(dir.resolve("c.yaml"), "runtime:\n  command: " + command + "\n"
                + "probes:\n  schedule: \"" + schedule + "\"\n"
                + "state_dir: " + dir.resolve("state") + "\n");
    }

    @Test
    void aValidConfigPrintsTheNextThreeCronTimes() throws Exception {
        assertEquals(0, run("check", "--config", config("[\"sleep\", \"1\"]", "0 0 4 * * ?").toString()), err.toString());
        Matcher m = Pattern.compile("(?m)^    \\d{4}-\\d\\d-\\d\\d 04:00:00\\.000 ").matcher(out.toString());
        int times = 0;
        while (m.find()) {
            times++;
        }
        assertEquals(3, times, out.toString());
    }

    @Test
    void anIntervalScheduleIsDescribed() throws Exception {
        assertEquals(0, run("check", "--config", config("[\"sleep\", \"1\"]", "10s").toString()), err.toString());
        assertTrue(out.toString().contains("every 10s"), out.toString());
    }

    @Test
    void syntaxOnlySkipsTheChecksOfThisMachine() throws Exception {
        Path file = config("[\"no-such-server-binary\"]", "10s");
        assertEquals(2, run("check", "--config", file.toString()));
        assertTrue(err.toString().contains("runtime.command[0]"), err.toString());
        assertEquals(0, run("check", "--syntax-only", "--config", file.toString()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"glyph.yaml", "vllm.yaml", "llama-cpp.yaml", "glyph-stack.yaml", "vllm-8gpu.yaml", "two-gpu.yaml",
            "reference-stack.yaml", "sglang.yaml"})
    void theExamplesAreValid(String example) {
        Path file = Path.of(System.getProperty("basedir", "."), "..", "conf", "examples", example);
        assertEquals(0, run("check", "--syntax-only", "--config", file.toString()), err.toString());
    }

    @Test
    void noCommandIsAUsageError() {
        assertEquals(2, run());
    }
}
