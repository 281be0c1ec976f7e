package dev.glyphsupervisor.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import dev.glyphsupervisor.runtime.Signals;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A stack of real servers in one daemon: {@code base}, and {@code ui} and {@code api} that require it (the test server,
 * which answers /health only after its startup delay). Start order gated on health, a required server's death, a
 * dependent's death, the operator's restart and stop of a required server, status, and the daemon's own death.
 */
class StackTest {

    private static final Duration T = Duration.ofSeconds(40);

    @TempDir
    Path dir;

    private final List<DaemonProcess> daemons = new ArrayList<>();
    private final Map<String, Integer> ports = new LinkedHashMap<>();
    private Path config;

    @AfterEach
    void cleanUp() throws InterruptedException {
        for (DaemonProcess d : daemons) {
            d.closeWithServers();
        }
    }

    private static InJvmGlyphctl.Result glyphctl(String... args) {
        return InJvmGlyphctl.run(args);
    }

    private InJvmGlyphctl.Result ctl(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.add("--config");
        all.add(config.toString());
        return glyphctl(all.toArray(String[]::new));
    }

    /** base (1 s to its first healthy answer), ui and api requiring it; {@code extra}: more servers, as YAML. */
    private Path writeConfig(String extra) throws Exception {
        StringBuilder yaml = new StringBuilder();
        yaml.append("state_dir: ").append(dir.resolve("state")).append('\n');
        yaml.append("audit: {path: ").append(dir.resolve("log/audit.jsonl")).append("}\n");
        yaml.append("defaults:\n")
                .append("  runtime: {startup_timeout: 30s, stop_grace: 2s, caches: []}\n")
                .append("  probes: {schedule: 300ms, failure_threshold: 2, startup_interval: 100ms}\n")
                .append("  restart: {backoff_initial: 200ms, backoff_max: 2s, backoff_reset: 1s, kill_timeout: 5s,")
                .append(" release_timeout: 5s, crash_loop: {max_restarts: 10, window: 1m}}\n");
        yaml.append("servers:\n");
        server(yaml, "ui", 0.2, "[base]");
        server(yaml, "base", 1.0, "[]");
        server(yaml, "api", 0.2, "[base]");
        yaml.append(extra);
        config = dir.resolve("stack.yaml");
        Files.writeString(config, yaml.toString());
        return config;
    }

    private void server(StringBuilder yaml, String name, double startupDelay, String requires) {
        int port = TestServer.freePort();
        ports.put(name, port);
        yaml.append("  ").append(name).append(":\n")
                .append("    requires: ").append(requires).append('\n')
                .append("    runtime:\n")
                .append("      command: ").append(TestServer.command(port, 1, startupDelay, dir.resolve(name + ".control")))
                .append('\n')
                .append("      workdir: ").append(dir).append('\n')
                .append("      port: ").append(port).append('\n')
                .append("    probes: {http: {url: \"http://127.0.0.1:").append(port)
                .append("/health\", timeout: 1s, expect_status: 200}}\n");
    }

    /** A daemon whose records are those written after its start (a successor's log holds its predecessor's too). */
    private DaemonProcess startDaemon() throws Exception {
        DaemonProcess d = DaemonProcess.startAppending(config, dir.resolve("log/audit.jsonl"),
                dir.resolve("daemon-" + daemons.size() + ".out"));
        daemons.add(d);
        return d;
    }

    private static boolean of(JsonNode e, String server) {
        return e.path("server").asText().equals(server);
    }

    private static long seq(JsonNode e) {
        return e.get("seq").asLong();
    }

    private JsonNode healthy(DaemonProcess d, String server, long generation) {
        return d.await("runtime_healthy", e -> of(e, server) && e.get("generation").asLong() == generation, T);
    }

    private void allHealthy(DaemonProcess d) {
        healthy(d, "base", 1);
        healthy(d, "ui", 1);
        healthy(d, "api", 1);
    }

    @Test
    void dependentsLaunchOnlyAfterWhatTheyRequireIsHealthyAndEveryRecordNamesItsServer() throws Exception {
        writeConfig("");
        DaemonProcess d = startDaemon();
        allHealthy(d);
        JsonNode baseHealthy = healthy(d, "base", 1);
        for (String dependent : List.of("ui", "api")) {
            JsonNode launched = d.await("runtime_launched", e -> of(e, dependent), T);
            assertTrue(seq(launched) > seq(baseHealthy), dependent + " launched before base was healthy" + d.describe());
            assertTrue(d.find("waiting", e -> of(e, dependent)).isPresent(), dependent + " never said it waits" + d.describe());
        }
        JsonNode started = d.await("supervisor_started", T);
        assertEquals("[\"ui\",\"base\",\"api\"]", started.get("servers").toString());
        for (JsonNode e : d.events()) {
            if (!e.get("event").asText().startsWith("supervisor_started")) {
                assertTrue(e.has("server"), "a record without its server: " + e);
            }
        }
        long[] seqs = d.events().stream().mapToLong(StackTest::seq).toArray();
        for (int i = 1; i < seqs.length; i++) {
            assertEquals(seqs[i - 1] + 1, seqs[i], "seq has a gap" + d.describe());
        }

        InJvmGlyphctl.Result status = ctl("status");
        assertEquals(0, status.exit(), status.out() + status.err());
        for (String name : List.of("base", "ui", "api")) {
            assertTrue(status.out().lines().anyMatch(l -> l.startsWith(name + " ") && l.contains("RUNNING")), status.out());
        }
        InJvmGlyphctl.Result detail = ctl("status", "ui");
        assertEquals(0, detail.exit(), detail.err());
        assertTrue(detail.out().startsWith("ui: RUNNING"), detail.out());
        InJvmGlyphctl.Result unknown = ctl("status", "nope");
        assertEquals(2, unknown.exit(), unknown.out());
        assertTrue(unknown.err().contains("no server 'nope'; the servers are base, ui, api"), unknown.err());
        InJvmGlyphctl.Result unnamed = ctl("restart");
        assertEquals(2, unnamed.exit(), unnamed.out());
        assertTrue(unnamed.err().contains("name one, or use --all"), unnamed.err());
    }

    @Test
    void theRequiredServerDiesItsDependentsStopAndComeBackAfterItIsHealthyAgain() throws Exception {
        writeConfig("");
        DaemonProcess d = startDaemon();
        allHealthy(d);
        long basePid = d.await("runtime_launched", e -> of(e, "base"), T).get("pid").asLong();
        Signals.kill(basePid, Signals.SIGKILL);

        JsonNode baseBack = healthy(d, "base", 2);
        for (String dependent : List.of("ui", "api")) {
            JsonNode stopped = d.await("runtime_stopped", e -> of(e, dependent), T);
            assertEquals("requirement_down", stopped.get("reason").asText(), stopped.toString());
            assertTrue(seq(stopped) < seq(baseBack), dependent + " ran on while base was down" + d.describe());
            JsonNode relaunched = d.await("runtime_launched", e -> of(e, dependent) && e.get("generation").asLong() == 2, T);
            assertTrue(seq(relaunched) > seq(baseBack), dependent + " came back before base was healthy" + d.describe());
            healthy(d, dependent, 2);
        }
        assertTrue(d.find("restart_decided", e -> of(e, "ui") || of(e, "api")).isEmpty(),
                "a stop for what it requires is not a restart of the dependent" + d.describe());
    }

    @Test
    void aDependentsOwnDeathRestartsOnlyIt() throws Exception {
        writeConfig("");
        DaemonProcess d = startDaemon();
        allHealthy(d);
        long uiPid = d.await("runtime_launched", e -> of(e, "ui"), T).get("pid").asLong();
        Signals.kill(uiPid, Signals.SIGKILL);
        healthy(d, "ui", 2);
        assertTrue(d.find("runtime_launched", e -> !of(e, "ui") && e.get("generation").asLong() > 1).isEmpty(),
                "base or api was relaunched for ui's death" + d.describe());
        assertEquals(0, ctl("status").exit());
    }

    @Test
    void restartAndStopOfTheRequiredServerStopItsDependentsFirst() throws Exception {
        writeConfig("");
        DaemonProcess d = startDaemon();
        allHealthy(d);

        InJvmGlyphctl.Result restart = ctl("restart", "base");
        assertEquals(0, restart.exit(), restart.out() + restart.err() + d.describe());
        assertTrue(restart.out().startsWith("base: healthy again: generation 2"), restart.out());
        assertTrue(restart.out().contains("and ui, which requires it") && restart.out().contains("and api, which requires it"),
                restart.out());
        JsonNode baseStopped = d.await("runtime_stopped", e -> of(e, "base"), T);
        for (String dependent : List.of("ui", "api")) {
            JsonNode stopped = d.await("runtime_stopped", e -> of(e, dependent), T);
            assertTrue(seq(stopped) < seq(baseStopped), dependent + " was not stopped first" + d.describe());
            healthy(d, dependent, 2);
        }

        InJvmGlyphctl.Result stop = ctl("stop", "base");
        assertEquals(0, stop.exit(), stop.out() + stop.err());
        assertTrue(stop.out().contains("base: stopped and paused by") && stop.out().contains("ui, api"), stop.out());
        InJvmGlyphctl.Result status = ctl("status");
        assertEquals(1, status.exit(), status.out());
        assertTrue(status.out().lines().anyMatch(l -> l.startsWith("ui ") && l.contains("WAITING")
                && l.contains("waiting for base")), status.out());

        InJvmGlyphctl.Result start = ctl("start", "base");
        assertEquals(0, start.exit(), start.out() + start.err());
        healthy(d, "base", 3);
        healthy(d, "ui", 3);
        healthy(d, "api", 3);
        Await.until(T, "status 0", () -> ctl("status").exit() == 0);
    }

    @Test
    void allServersAtOnceStopDependentsFirstAndStartInOrder() throws Exception {
        writeConfig("");
        DaemonProcess d = startDaemon();
        allHealthy(d);

        InJvmGlyphctl.Result restart = ctl("restart", "--all");
        assertEquals(0, restart.exit(), restart.out() + restart.err() + d.describe());
        assertEquals(1, restart.out().lines().filter(l -> l.startsWith("base: healthy again")).count(), restart.out());
        assertTrue(d.find("restart_decided", e -> of(e, "ui") || of(e, "api")).isEmpty(),
                "ui and api were restarted with base, not once more on their own" + d.describe());
        healthy(d, "ui", 2);
        healthy(d, "api", 2);

        InJvmGlyphctl.Result stop = ctl("stop", "--all");
        assertEquals(0, stop.exit(), stop.out() + stop.err());
        InJvmGlyphctl.Result status = ctl("status");
        assertEquals(1, status.exit());
        for (String name : List.of("base", "ui", "api")) {
            assertTrue(status.out().lines().anyMatch(l -> l.startsWith(name + " ") && l.contains("PAUSED")), status.out());
        }
        InJvmGlyphctl.Result both = ctl("stop", "--all", "ui");
        assertEquals(2, both.exit(), both.err());

        InJvmGlyphctl.Result start = ctl("start", "--all");
        assertEquals(0, start.exit(), start.out() + start.err());
        healthy(d, "base", 3);
        healthy(d, "ui", 3);
        healthy(d, "api", 3);
    }

    @Test
    void aCrashLoopingServerLeavesTheOthersHealthy() throws Exception {
        writeConfig("  broken:\n    runtime: {command: [\"sh\", \"-c\", \"exit 3\"]}\n"
                + "    restart: {crash_loop: {max_restarts: 2, window: 1m}}\n");
        DaemonProcess d = startDaemon();
        allHealthy(d);
        d.await("crash_loop", e -> of(e, "broken"), T);
        InJvmGlyphctl.Result status = ctl("status");
        assertEquals(1, status.exit(), status.out());
        assertTrue(status.out().lines().anyMatch(l -> l.startsWith("broken ") && l.contains("FAILED")), status.out());
        for (String name : List.of("base", "ui", "api")) {
            assertEquals(0, ctl("status", name).exit(), name + " is not RUNNING beside the broken one");
        }
    }

    @Test
    void aKilledDaemonsSuccessorAdoptsEveryServerAndItsStopStopsDependentsFirst() throws Exception {
        writeConfig("");
        DaemonProcess first = startDaemon();
        allHealthy(first);
        Map<String, Long> pids = new LinkedHashMap<>();
        for (String name : List.of("base", "ui", "api")) {
            pids.put(name, first.await("runtime_launched", e -> of(e, name), T).get("pid").asLong());
        }
        Signals.kill(first.pid(), Signals.SIGKILL);
        first.awaitExit(T);

        DaemonProcess second = startDaemon();
        for (String name : List.of("base", "ui", "api")) {
            JsonNode adopted = second.await("runtime_adopted", e -> of(e, name), T);
            assertEquals((long) pids.get(name), adopted.get("pid").asLong(), adopted.toString());
        }
        assertTrue(second.find("runtime_launched", e -> true).isEmpty(), "a second tree was launched" + second.describe());
        assertTrue(second.find("runtime_stopped", e -> true).isEmpty(), "an adopted server was stopped" + second.describe());

        second.sigterm();
        assertEquals(143, second.awaitExit(T), second.describe()); // the JVM's status after SIGTERM, as for one server
        JsonNode baseStopped = second.await("runtime_stopped", e -> of(e, "base"), T);
        for (String dependent : List.of("ui", "api")) {
            JsonNode stopped = second.await("runtime_stopped", e -> of(e, dependent), T);
            assertTrue(seq(stopped) < seq(baseStopped), dependent + " outlived what it requires" + second.describe());
        }
        for (long pid : pids.values()) {
            Await.until(T, "pid " + pid + " gone", () -> ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true));
        }
    }
}
