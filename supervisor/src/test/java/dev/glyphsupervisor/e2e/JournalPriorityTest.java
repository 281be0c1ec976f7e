package dev.glyphsupervisor.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Under systemd (JOURNAL_STREAM set) every line {@code glyphctl daemon} writes to stderr carries its journald
 * priority, fatal start errors {@code <3>}: before, the preflight's and the start failure's lines had none, so
 * journald filed them at info and {@code journalctl -p warning} did not say why the unit failed.
 */
class JournalPriorityTest {

    @TempDir
    Path dir;

    private static final List<String> UNDER_JOURNAL = List.of("env", "JOURNAL_STREAM=8:12345");

    private Path config(String extra) throws IOException {
        Files.createDirectories(dir.resolve("io"));
        return Files.writeString(dir.resolve("glyph.yaml"), "runtime:\n"
                + "  command: [sleep, '600']\n"
                + extra
                + "state_dir: state\n");
    }

    private static void assertEveryLineIsAnError(String err) {
        assertTrue(!err.isEmpty(), "nothing on stderr");
        for (String line : err.split("\n")) {
            assertTrue(line.startsWith("<3>"), "a line without the error priority: '" + line + "' in:\n" + err);
        }
    }

    @Test
    void configErrorsAreFiledAsErrors() throws IOException {
        Path config = config("  stop_grce: 5s\n  workdir: /nonexistent\n");

        GlyphctlLauncher.Result r = GlyphctlLauncher.run(dir.resolve("io"), Duration.ofSeconds(60), UNDER_JOURNAL,
                List.of("daemon", "--config", config.toString()));

        assertEquals(2, r.exit());
        assertEveryLineIsAnError(r.err());
        assertTrue(r.err().startsWith("<3>" + config + ":3:3: runtime.stop_grce: unknown key 'stop_grce'"), r.err());
    }

    @Test
    void preflightProblemsAreFiledAsErrors() throws IOException {
        Path config = config("  workdir: /nonexistent\n");

        GlyphctlLauncher.Result r = GlyphctlLauncher.run(dir.resolve("io"), Duration.ofSeconds(60), UNDER_JOURNAL,
                List.of("daemon", "--config", config.toString()));

        assertEquals(2, r.exit());
        assertEquals("<3>" + config + ":3:12: runtime.workdir: /nonexistent does not exist\n", r.err());
    }

    @Test
    void aStartFailureIsFiledAsAnError() throws Exception {
        Path config = config("");
        Files.createDirectories(dir.resolve("state"));
        try (LockHolder other = LockHolder.start(dir.resolve("state"))) {
            GlyphctlLauncher.Result r = GlyphctlLauncher.run(dir.resolve("io"), Duration.ofSeconds(60), UNDER_JOURNAL,
                    List.of("daemon", "--config", config.toString()));

            assertEquals(1, r.exit());
            assertEveryLineIsAnError(r.err());
            assertTrue(r.err().startsWith("<3>glyphctl daemon: "), r.err());
        }
    }

    @Test
    void usageErrorsAreFiledAsErrors() throws IOException {
        GlyphctlLauncher.Result r = GlyphctlLauncher.run(Files.createDirectories(dir.resolve("io")), Duration.ofSeconds(60),
                UNDER_JOURNAL, List.of("daemon", "--no-such-option"));

        assertEquals(2, r.exit());
        assertEveryLineIsAnError(r.err());
    }

    @Test
    void outsideTheJournalMessagesStayAsTheyAre() throws IOException {
        Path config = config("  workdir: /nonexistent\n");

        GlyphctlLauncher.Result r = GlyphctlLauncher.run(dir.resolve("io"), Duration.ofSeconds(60),
                List.of("daemon", "--config", config.toString()));

        assertEquals(config + ":3:12: runtime.workdir: /nonexistent does not exist\n", r.err());
    }
}
