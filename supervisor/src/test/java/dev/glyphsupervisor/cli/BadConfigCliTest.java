package dev.glyphsupervisor.cli;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code glyphctl daemon} and {@code glyphctl check} on malformed configs: one precise message that
 * names the file, line, column and key; exit 2; and nothing started or created (the command would
 * create a marker file, and the state and log directories must not appear).
 */
class BadConfigCliTest {

    @TempDir
    Path dir;

    private String valid(String runtimeExtra, String probesExtra, String restartExtra, String top) {
        Path marker = dir.resolve("MARKER");
        return "runtime:\n"
                + "  command: [\"touch\", \"" + marker + "\"]\n"
                + "  port: 18123\n"
                + "  log: " + dir.resolve("log/runtime.log") + "\n"
                + runtimeExtra
                + "probes:\n"
                + "  schedule: \"10s\"\n"
                + probesExtra
                + "restart:\n"
                + "  backoff_initial: 2s\n"
                + restartExtra
                + top
                + "audit: {path: " + dir.resolve("log/audit.jsonl") + "}\n";
    }

    private String withState(String runtimeExtra, String probesExtra, String restartExtra) {
        return valid(runtimeExtra, probesExtra, restartExtra, "state_dir: " + dir.resolve("state") + "\n");
    }

    static Stream<Arguments> badConfigs() {
        return Stream.of(
                Arguments.of("unknown key", "runtime.comand", (Case) t -> t.withState("  comand: [x]\n", "", "")),
                Arguments.of("port not a number", "runtime.port", (Case) t -> t.withState("", "", "").replace("port: 18123", "port: abc")),
                Arguments.of("port out of range", "runtime.port", (Case) t -> t.withState("", "", "").replace("port: 18123", "port: 70000")),
                Arguments.of("duration with words", "runtime.stop_grace", (Case) t -> t.withState("  stop_grace: 20 seconds\n", "", "")),
                Arguments.of("negative duration", "runtime.startup_timeout", (Case) t -> t.withState("  startup_timeout: -5s\n", "", "")),
                Arguments.of("bad size", "runtime.log_max_size", (Case) t -> t.withState("  log_max_size: 7.5 gigs\n", "", "")),
                Arguments.of("five-field cron", "probes.schedule", (Case) t -> t.withState("", "", "").replace("schedule: \"10s\"", "schedule: \"0 * * * *\"")),
                Arguments.of("threshold zero", "probes.failure_threshold", (Case) t -> t.withState("", "  failure_threshold: 0\n", "")),
                Arguments.of("ftp health url", "probes.http.url", (Case) t -> t.withState("", "  http: {url: \"ftp://127.0.0.1/x\"}\n", "")),
                Arguments.of("backoff max below initial", "restart.backoff_max", (Case) t -> t.withState("", "", "  backoff_max: 1s\n")),
                Arguments.of("cache glob /", "runtime.caches[0]", (Case) t -> t.withState("  caches: [\"/\"]\n", "", "")),
                Arguments.of("cache glob /**", "runtime.caches[0]", (Case) t -> t.withState("  caches: [\"/**\"]\n", "", "")),
                Arguments.of("relative cache glob", "runtime.caches[1]", (Case) t -> t.withState("  caches: [\"/tmp/glyph_*.png\", \"tmp/*\"]\n", "", "")),
                Arguments.of("home dir as cache", "runtime.caches[0]", (Case) t -> t.withState("  caches: [\"" + System.getProperty("user.home") + "\"]\n", "", "")),
                Arguments.of("empty command", "runtime.command", (Case) t -> t.withState("", "", "").replaceFirst("command: \\[.*\\]", "command: []")),
                Arguments.of("command as a string", "runtime.command", (Case) t -> t.withState("", "", "").replaceFirst("command: \\[.*\\]", "command: \"bash run.sh\"")),
                Arguments.of("missing state_dir", "state_dir", (Case) t -> t.valid("", "", "", "")),
                Arguments.of("command not found", "runtime.command[0]", (Case) t -> t.withState("", "", "").replaceFirst("command: \\[.*\\]", "command: [\"/nonexistent/bin/server\"]")),
                Arguments.of("gpu percentage over 100", "probes.gpu.max_device_memory", (Case) t -> t.withState("", "  gpu: {max_device_memory: 150%}\n", "")),
                Arguments.of("gpu size with words", "probes.gpu.max_process_memory", (Case) t -> t.withState("", "  gpu: {max_process_memory: 7.5 gigs}\n", "")),
                Arguments.of("unknown gpu key", "probes.gpu.max_memory", (Case) t -> t.withState("", "  gpu: {max_memory: 7GiB}\n", "")),
                Arguments.of("host rss not a size", "probes.host.max_rss", (Case) t -> t.withState("", "  host: {max_rss: lots}\n", "")),
                Arguments.of("yaml syntax", "", (Case) t -> t.withState("", "", "").replace("backoff_initial: 2s", "backoff_initial: [2s"))
        );
    }

    interface Case {
        String yaml(BadConfigCliTest t);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badConfigs")
    void daemonRefusesWithAPreciseMessageAndStartsNothing(String name, String key, Case c) throws Exception {
        Path file = dir.resolve("bad.yaml");
        Files.writeString(file, c.yaml(this));
        for (String command : new String[] {"daemon", "check"}) {
            StringWriter err = new StringWriter();
            CommandLine cli = Glyphctl.commandLine();
            cli.setErr(new PrintWriter(err));
            cli.setOut(new PrintWriter(new StringWriter()));
            int exit = cli.execute(command, "--config", file.toString());

            assertEquals(2, exit, command + " exit code; message: " + err);
            String message = err.toString();
            assertTrue(Pattern.compile("(?m)^" + Pattern.quote(file.toString()) + ":\\d+:\\d+: " + Pattern.quote(key))
                    .matcher(message).find(), command + ": expected 'FILE:LINE:COL: " + key + "' in: " + message);
            assertFalse(Files.exists(dir.resolve("MARKER")), "the server command must not run");
            assertFalse(Files.exists(dir.resolve("state")), "no state_dir created");
            assertFalse(Files.exists(dir.resolve("log")), "no log directory created");
        }
    }
}
