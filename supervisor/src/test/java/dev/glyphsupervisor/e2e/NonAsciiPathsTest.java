package dev.glyphsupervisor.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.glyphsupervisor.cli.Glyphctl;
import dev.glyphsupervisor.runtime.Signals;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Glyph as its authors ship it lives in {@code /root/界面推理.sh}, and systemd services, cron and minimal containers run
 * with no UTF-8 locale. Here a Chinese-named script in a Chinese-named directory, with its state directory (lock,
 * control socket), runtime log, audit log and cache all under Chinese names, runs under the daemon and glyphctl
 * started through the real bin/glyphctl with {@code LC_ALL=C}, {@code LC_ALL=POSIX} and with no locale variable at
 * all: the server launches, becomes healthy and is healed, the audit log and {@code status} / {@code events} show
 * the paths as UTF-8, and the server's environment holds the caller's locale, not the daemon's.
 */
class NonAsciiPathsTest {

    private static final Duration T = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    private DaemonProcess daemon;
    private DaemonProcess successor;

    @BeforeEach
    void utf8TestJvm() {
        // The test itself makes and reads these paths: it needs a UTF-8 JVM (the test run's locale), whatever the
        // daemon under test gets.
        assumeTrue("UTF-8".equals(System.getProperty("sun.jnu.encoding")),
                "run the tests in a UTF-8 locale (e.g. LANG=C.UTF-8): this JVM's file names are "
                        + System.getProperty("sun.jnu.encoding"));
    }

    @AfterEach
    void cleanUp() throws InterruptedException {
        if (successor != null) {
            successor.closeWithServers();
        }
        if (daemon != null) {
            daemon.closeWithServers();
        }
    }

    /** The caller's locale: {@code LC_ALL=C}, {@code LC_ALL=POSIX}, or "unset" for none of LANG, LANGUAGE, LC_*. */
    private static Consumer<Map<String, String>> locale(String callerLcAll) {
        return env -> {
            env.keySet().removeIf(name -> name.equals("LANG") || name.equals("LANGUAGE") || name.startsWith("LC_"));
            if (!callerLcAll.equals("unset")) {
                env.put("LC_ALL", callerLcAll);
            }
        };
    }

    @ParameterizedTest(name = "LC_ALL={0}")
    @ValueSource(strings = {"C", "POSIX", "unset"})
    void aChineseNamedServerRunsAndIsShownReadablyWithoutAUtf8Locale(String callerLcAll) throws Exception {
        Path home = Files.createDirectories(dir.resolve("界面推理"));
        Path script = home.resolve("界面推理.sh");
        Path cache = home.resolve("缓存");
        Path state = home.resolve("状态");
        Path log = home.resolve("日志").resolve("运行.log");
        Path audit = home.resolve("日志").resolve("审计.jsonl");
        int port = TestServer.freePort();
        // The server fills its cache at start, as a model server does, so that a relaunch has something to clear.
        Files.writeString(script, "#!/bin/sh\n"
                + "mkdir -p '" + cache + "' && echo weights > '" + cache.resolve("模型.bin") + "'\n"
                + "exec python3 '" + TestServer.SCRIPT + "' --port " + port + " --workers 1\n");
        script.toFile().setExecutable(true);
        Path config = home.resolve("配置.yaml");
        Files.writeString(config, "runtime:\n"
                + "  command: [\"" + script + "\"]\n"
                + "  workdir: " + home + "\n"
                + "  port: " + port + "\n"
                + "  startup_timeout: 30s\n"
                + "  stop_grace: 2s\n"
                + "  log: " + log + "\n"
                + "  caches: [\"" + cache + "/**\"]\n"
                + "  env: {GLYPH_TEST_GREETING: 你好}\n"
                + "probes:\n"
                + "  schedule: 300ms\n"
                + "  startup_interval: 100ms\n"
                + "  http: {url: \"http://127.0.0.1:" + port + "/health\", timeout: 1s, expect_status: 200}\n"
                + "restart: {backoff_initial: 200ms, backoff_max: 2s, kill_timeout: 5s, release_timeout: 5s}\n"
                + "state_dir: " + state + "\n"
                + "audit: {path: " + audit + "}\n");

        daemon = DaemonProcess.startThroughScript(config, audit, locale(callerLcAll));
        // A daemon that refuses the config exits at once: say so with its message rather than wait out T.
        Await.until(T, "the first launch, or the daemon's exit", () -> !daemon.process().isAlive()
                || daemon.find("runtime_launched", e -> true).isPresent(), daemon::describe);
        JsonNode launched = daemon.await("runtime_launched", e -> e.get("generation").asLong() == 1, Duration.ZERO);
        daemon.awaitHealthy(1, T);
        assertEquals(script.toString(), launched.get("command").get(0).asText());
        assertEquals(home.toString(), launched.get("workdir").asText());
        assertEquals(log.toString(), launched.get("log").asText());
        String rawAudit = Files.readString(audit, StandardCharsets.UTF_8);
        assertTrue(rawAudit.contains(script.toString()), "the audit log holds the path as UTF-8, not escaped: " + rawAudit);
        assertTrue(Files.exists(state.resolve("control.sock")), "the control socket under the Chinese state_dir");

        // The server gets the caller's locale and the configured environment, not the daemon's UTF-8 locale.
        long pid = launched.get("pid").asLong();
        Map<String, String> server = environ(pid);
        assertEquals(callerLcAll.equals("unset") ? null : callerLcAll, server.get("LC_ALL"), server.toString());
        assertNull(server.get("LANG"), server.toString());
        assertTrue(server.keySet().stream().noneMatch(name -> name.startsWith("LC_") && !name.equals("LC_ALL")), server.toString());
        assertTrue(server.keySet().stream().noneMatch(name -> name.startsWith("GLYPH_CALLER")), server.toString());
        assertEquals("你好", server.get("GLYPH_TEST_GREETING"));
        assertEquals(state.toString(), server.get("GLYPH_SUPERVISOR_STATE_DIR"));

        // glyphctl under the same locale prints the paths as UTF-8 bytes (a '?' would fail the strict decoding or
        // the comparison).
        Path io = Files.createDirectories(dir.resolve("io"));
        GlyphctlLauncher.Result status = GlyphctlLauncher.run(io, T, List.of("status", "--config", config.toString()),
                locale(callerLcAll));
        assertEquals(0, status.exit(), status.out() + status.err());
        assertTrue(status.out().contains(config.toString()) && status.out().contains(audit.toString()), status.out());
        GlyphctlLauncher.Result json = GlyphctlLauncher.run(io, T, List.of("status", "--json", "--config", config.toString()),
                locale(callerLcAll));
        JsonNode doc = new ObjectMapper().readTree(json.out());
        assertEquals(config.toString(), doc.get("config").asText(), json.out());
        assertEquals(audit.toString(), doc.get("audit").asText(), json.out());

        // Healed: the death of the server, the Chinese cache cleared, a new generation.
        Signals.kill(pid, Signals.SIGKILL);
        JsonNode cleared = daemon.await("caches_cleared", e -> e.get("generation").asLong() == 1, T);
        assertTrue(cleared.get("files").asLong() >= 1, cleared.toString());
        assertEquals(cache + "/**", cleared.get("globs").get(0).asText(), cleared.toString());
        daemon.awaitHealthy(2, T);

        GlyphctlLauncher.Result events = GlyphctlLauncher.run(io, T, List.of("events", "-n", "50", "--config", config.toString()),
                locale(callerLcAll));
        assertEquals(0, events.exit(), events.out() + events.err());
        assertTrue(events.out().contains(script.toString()) && events.out().contains(cache.toString()), events.out());
        assertFalse(events.out().contains("??"), "no path shown as question marks: " + events.out());
        GlyphctlLauncher.Result eventsJson = GlyphctlLauncher.run(io, T,
                List.of("events", "-n", "50", "--json", "--config", config.toString()), locale(callerLcAll));
        JsonNode last = new ObjectMapper().readTree(eventsJson.out().lines()
                .filter(l -> l.contains("\"runtime_launched\"")).reduce((a, b) -> b).orElseThrow());
        assertEquals(script.toString(), last.get("command").get(0).asText(), eventsJson.out());

        // The server record and the marker under the Chinese state_dir: a daemon SIGKILLed and started again adopts it.
        long healed = last.get("pid").asLong();
        Signals.kill(daemon.pid(), Signals.SIGKILL);
        daemon.awaitExit(T);
        successor = DaemonProcess.startThroughScript(config, audit, locale(callerLcAll));
        JsonNode adopted = successor.await("runtime_adopted", T);
        assertEquals(healed, adopted.get("pid").asLong(), successor.describe());
    }

    /** Java run directly (not through bin/glyphctl) in the C locale cannot name such a path: it says why. */
    @Test
    void withoutTheLauncherAJvmInTheCLocaleSaysWhyItRefusesThePath() throws Exception {
        Path home = Files.createDirectories(dir.resolve("界面推理"));
        int port = TestServer.freePort();
        Path config = new ConfigFile(dir, port, "[\"/bin/sleep\", \"100\"]").write();
        Files.writeString(config, Files.readString(config).replace("  workdir: " + dir + "\n", "  workdir: " + home + "\n"));
        Path out = dir.resolve("check.out");
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Glyphctl.class.getName(),
                "check", "--syntax-only", "--config", config.toString()).redirectErrorStream(true).redirectOutput(out.toFile());
        locale("C").accept(pb.environment());
        Process p = pb.start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "glyphctl check did not end");
        String output = Files.readString(out, StandardCharsets.ISO_8859_1);
        assertEquals(2, p.exitValue(), output);
        assertTrue(output.contains("runtime.workdir: '") && output.contains("' is not a valid path: ")
                && output.contains("(this JVM encodes file names as ANSI_X3.4-1968, from its locale: run it through"
                        + " bin/glyphctl or with LC_ALL=C.UTF-8)"), output);
    }

    /** A process's environment, decoded as UTF-8 (the bytes the kernel holds). */
    private static Map<String, String> environ(long pid) throws IOException {
        Map<String, String> env = new HashMap<>();
        String raw = new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "environ")), StandardCharsets.UTF_8);
        for (String entry : raw.split("\0")) {
            int eq = entry.indexOf('=');
            if (eq > 0) {
                env.put(entry.substring(0, eq), entry.substring(eq + 1));
            }
        }
        return env;
    }
}
