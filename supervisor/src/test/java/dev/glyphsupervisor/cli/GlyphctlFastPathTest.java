package dev.glyphsupervisor.cli;

import dev.glyphsupervisor.control.ControlServer;
import dev.glyphsupervisor.control.StatusReply;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.io.StringWriter;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

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

    /** {@code status} and {@code status --json}, answered without picocli, against a socket that answers and one that does not. */
    @Test
    void quickStatusAnswersAsPicocliDoes(@TempDir Path home) throws Exception {
        Path state = home.resolve("state");
        Files.createDirectories(home.resolve("conf"));
        Files.createDirectories(state);
        Files.writeString(home.resolve("conf/glyph-supervisor.yaml"), "state_dir: " + state + "\n");
        String previous = System.getProperty("glyph.home");
        System.setProperty("glyph.home", home.toString());
        try {
            String config = home.resolve("conf/glyph-supervisor.yaml").toString();
            for (String[] call : new String[][] {{"status"}, {"status", "--json"}, {"status", "--config", config},
                    {"status", "-c", config, "--json"}, {"status", "--json", "--config", config}}) {
                // No daemon: exit 3, the same message.
                assertEquals(String.join("\n", run(Glyphctl.commandLine(call), call)), String.join("\n", quick(call)));
                try (CannedDaemon daemon = new CannedDaemon(state.resolve("control.sock"))) {
                    String[] viaPicocli = run(Glyphctl.commandLine(call), call);
                    String[] viaQuick = quick(call);
                    assertEquals("exit 0", viaQuick[0]);
                    assertTrue(viaQuick[1].contains("RUNNING"), viaQuick[1]);
                    assertEquals(String.join("\n", viaPicocli), String.join("\n", viaQuick));
                }
            }
            assertTrue(QuickStatus.run(new String[] {"status", "--timeout", "1s"}, null, null).isEmpty());
            assertTrue(QuickStatus.run(new String[] {"--json", "status"}, null, null).isEmpty());
            assertTrue(QuickStatus.run(new String[] {"status", "--help"}, null, null).isEmpty());
            for (String[] other : new String[][] {{"status", "--config"}, {"status", "--config=" + config},
                    {"status", "--json", "--json"}, {"status", "-c", config, "-c", config}, {"status", "-c", "--json"}}) {
                assertTrue(QuickStatus.run(other, null, null).isEmpty(), String.join(" ", other));
            }
            // A config that does not parse: the same message and exit code either way.
            Path broken = home.resolve("broken.yaml");
            Files.writeString(broken, "state_dir: [\n");
            String[] call = {"status", "--config", broken.toString()};
            assertEquals(String.join("\n", run(Glyphctl.commandLine(call), call)), String.join("\n", quick(call)));
        } finally {
            if (previous == null) {
                System.clearProperty("glyph.home");
            } else {
                System.setProperty("glyph.home", previous);
            }
        }
    }

    @Test
    void onlyTheCalledCommandIsBuilt() {
        assertEquals(1, Glyphctl.commandLine("status", "--json").getSubcommands().size());
        assertTrue(Glyphctl.commandLine("--version").getSubcommands().isEmpty());
        assertTrue(Glyphctl.commandLine("events").getSubcommands().size() > 5);
        assertTrue(Glyphctl.commandLine("--help").getSubcommands().size() > 5);
    }

    private static String[] quick(String[] args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = QuickStatus.run(args, new PrintWriter(out, true), new PrintWriter(err, true)).orElseThrow();
        return new String[] {"exit " + exit, "out " + out, "err " + err};
    }

    /** The product's control server on a socket of the test's, answering every request with one RUNNING status. */
    private static final class CannedDaemon implements AutoCloseable {
        private static final Instant AT = Instant.parse("2026-01-01T00:00:00Z");
        private static final StatusReply STATUS = new StatusReply("RUNNING", 42L, 42L, 3, 75L, 1, 75,
                new StatusReply.Restarts(2, 1), new StatusReply.LastRestart("exited", AT, null), null,
                List.of(new StatusReply.ProbeLine("tcp", "SUCCESS", "open", 0.4)), 3L, true,
                new StatusReply.Gpu(false, null, null, null, null, null, null, List.of()),
                new StatusReply.Memory(false, null, null, null, null, null),
                new StatusReply.Progress("UNKNOWN", "status 404 from http://127.0.0.1:8000/metrics", null, null, null,
                        12.0, null, 120.0, true, "vllm", "http://127.0.0.1:8000/metrics", null),
                new StatusReply.Inference("OK", 183.0, "status 200 in 183 ms", AT, 200, 0, 3, false, null,
                        AT.plusSeconds(1), "skipped: the server progressed since the last check", AT.plusSeconds(60),
                        "POST", "http://127.0.0.1:8000/v1/chat/completions"),
                null, null, null,
                Instant.parse("2026-01-01T00:01:00Z"), null, "c.yaml", "a.jsonl");
        private final ControlServer server;

        CannedDaemon(Path socket) throws IOException {
            server = ControlServer.start(socket, 0600, Optional.empty(),
                    (request, user) -> request instanceof dev.glyphsupervisor.control.ControlRequest.Servers
                            ? new dev.glyphsupervisor.control.ServersReply(java.util.List.of(
                                    new dev.glyphsupervisor.control.ServersReply.Line("default", "RUNNING", 42L, 3, 75L,
                                            1, 1, null, java.util.List.of(), java.util.List.of(), null, null)))
                            : STATUS);
        }

        @Override
        public void close() {
            server.close();
        }
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
