package dev.glyphsupervisor.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The servers form (servers:, defaults:, requires:): what loads, and each refusal with its exact message. */
class ConfigServersTest {

    @TempDir
    Path dir;

    private void assertProblems(String yaml, String... expected) {
        Path file = ConfigFiles.write(dir, "glyph.yaml", yaml);
        List<String> want = Arrays.stream(expected).map(problem -> file + ":" + problem).toList();
        assertEquals(want, ConfigFiles.problemsOf(file));
    }

    private SupervisorConfig load(String yaml) throws ConfigException {
        return ConfigLoader.load(ConfigFiles.write(dir, "glyph.yaml", yaml));
    }

    @Test
    void threeServersWithDefaultsLoadInFileOrderEachOverTheDefaults() throws Exception {
        SupervisorConfig config = load("""
                state_dir: run/state
                defaults:
                  runtime: {env: {HF_HOME: /models, A: "1"}, stop_grace: 5s}
                  probes: {failure_threshold: 3, http: {url: "http://127.0.0.1:1/health", timeout: 2s}}
                  restart: {backoff_max: 5m, crash_loop: {max_restarts: 4}}
                servers:
                  vllm:
                    runtime: {command: [vllm, serve], port: 5002, env: {A: "2"}}
                    probes: {http: {url: "http://127.0.0.1:5002/health"}}
                  ui:
                    requires: [vllm]
                    runtime: {command: [python, app.py], port: 7860, log: ui.log}
                    probes: {failure_threshold: 5, http: {url: "http://127.0.0.1:7860/config"}}
                  gpu-1:
                    requires: [vllm, ui]
                    runtime: {command: [vllm, serve], port: 8001}
                    restart: {crash_loop: {window: 1m}}
                    probes: {http: {url: "http://127.0.0.1:8001/health"}}
                """);
        Path state = dir.resolve("run/state");
        assertEquals(state, config.stateDir());
        assertEquals(List.of("vllm", "ui", "gpu-1"), config.serverNames());
        assertFalse(config.oneServerForm());

        ServerConfig vllm = config.server("vllm").orElseThrow();
        assertEquals(List.of("vllm", "serve"), vllm.runtime().command());
        assertEquals(OptionalInt.of(5002), vllm.runtime().port());
        assertEquals(List.of("HF_HOME", "A"), List.copyOf(vllm.runtime().env().keySet()), "defaults' names first");
        assertEquals("2", vllm.runtime().env().get("A"), "the server's own value wins");
        assertEquals(Duration.ofSeconds(5), vllm.runtime().stopGrace());
        assertEquals(3, vllm.probes().failureThreshold());
        assertEquals("http://127.0.0.1:5002/health", vllm.probes().http().orElseThrow().url().toString());
        assertEquals(Duration.ofSeconds(2), vllm.probes().http().orElseThrow().timeout(), "mappings merge recursively");
        assertEquals(Duration.ofMinutes(5), vllm.restart().backoffMax());
        assertEquals(4, vllm.restart().crashLoop().maxRestarts());
        assertEquals(List.of(), vllm.requires());
        assertEquals(state.resolve("servers/vllm"), vllm.stateDir());
        assertEquals(state.resolve("servers/vllm/runtime.log"), vllm.runtime().log());
        assertEquals(dir, vllm.runtime().workdir());
        assertEquals("servers.vllm.runtime.port", vllm.key("runtime.port"));

        ServerConfig ui = config.server("ui").orElseThrow();
        assertEquals(List.of("vllm"), ui.requires());
        assertEquals(5, ui.probes().failureThreshold());
        assertEquals(dir.resolve("ui.log"), ui.runtime().log());

        ServerConfig gpu = config.server("gpu-1").orElseThrow();
        assertEquals(List.of("vllm", "ui"), gpu.requires());
        assertEquals(4, gpu.restart().crashLoop().maxRestarts());
        assertEquals(Duration.ofMinutes(1), gpu.restart().crashLoop().window());
        assertTrue(config.server("nope").isEmpty());
        assertEquals("several servers (vllm, ui, gpu-1) where this code handles one",
                assertThrows(IllegalStateException.class, config::onlyServer).getMessage());
        // the shared settings stay where they were
        assertEquals(state.resolve("audit.jsonl"), config.audit().path());
        assertEquals(state.resolve("control.sock"), config.control().socket());
    }

    @Test
    void theOneServerFormIsAStackOfOneNamedDefaultInStateDirItself() throws Exception {
        SupervisorConfig config = load("""
                runtime: {command: [x], port: 8000}
                probes: {failure_threshold: 3}
                state_dir: run/state
                """);
        assertTrue(config.oneServerForm());
        ServerConfig only = config.onlyServer();
        assertEquals("default", only.name());
        assertEquals(dir.resolve("run/state"), only.stateDir());
        assertEquals(dir.resolve("run/state/runtime.log"), only.runtime().log());
        assertEquals("runtime.port", only.key("runtime.port"));
        assertEquals(List.of(), only.requires());
        assertEquals(only, config.server("default").orElseThrow());
    }

    @Test
    void bothFormsMixed() {
        assertProblems("""
                runtime: {command: [x]}
                probes: {failure_threshold: 3}
                state_dir: /s
                servers:
                  a: {runtime: {command: [y]}}
                """,
                "1:1: runtime: a top-level runtime is the one-server form, which cannot be mixed with servers (line 4, column 1);"
                        + " move it under a server in servers, or under defaults",
                "2:1: probes: a top-level probes is the one-server form, which cannot be mixed with servers (line 4, column 1);"
                        + " move it under a server in servers, or under defaults");
    }

    @Test
    void defaultsWithoutServers() {
        assertProblems("""
                runtime: {command: [x]}
                defaults: {probes: {failure_threshold: 3}}
                state_dir: /s
                """,
                "2:1: defaults: defaults are merged under each server of servers; in the one-server form (top-level runtime)"
                        + " write these settings in runtime, probes and restart");
    }

    @Test
    void emptyOrWrongServers() {
        String expected = "servers: expected a mapping of server names to servers (e.g. servers: {vllm: {runtime: {command: [vllm, serve]}}}), got ";
        assertProblems("state_dir: /s\nservers: {}\n", "2:10: " + expected + "an empty mapping");
        assertProblems("state_dir: /s\nservers:\n", "2:9: " + expected + "null");
        assertProblems("state_dir: /s\nservers: [vllm]\n", "2:10: " + expected + "a list");
    }

    @Test
    void badName() {
        assertProblems("""
                state_dir: /s
                servers:
                  vLLM: {runtime: {command: [x]}}
                  0ui: {runtime: {command: [x]}}
                  abcdefghijabcdefghijabcdefghijabc: {runtime: {command: [x]}}
                  ok_name-2: {runtime: {command: [x]}}
                """,
                "3:3: servers.vLLM: 'vLLM' is not a server name; use lower-case letters, digits, _ and -, starting with a letter,"
                        + " at most 32 characters (e.g. vllm, ui, gpu-0)",
                "4:3: servers.0ui: '0ui' is not a server name; use lower-case letters, digits, _ and -, starting with a letter,"
                        + " at most 32 characters (e.g. vllm, ui, gpu-0)",
                "5:3: servers.abcdefghijabcdefghijabcdefghijabc: 'abcdefghijabcdefghijabcdefghijabc' is not a server name; use"
                        + " lower-case letters, digits, _ and -, starting with a letter, at most 32 characters (e.g. vllm, ui, gpu-0)");
    }

    @Test
    void duplicateName() {
        assertProblems("""
                state_dir: /s
                servers:
                  vllm: {runtime: {command: [x], port: 1}}
                  vllm: {runtime: {command: [y], port: 2}}
                """,
                "4:3: servers.vllm: duplicate key 'vllm' (first set at line 3, column 3)");
    }

    @Test
    void unknownRequiresWithTheKnownNames() {
        assertProblems("""
                state_dir: /s
                servers:
                  vllm: {runtime: {command: [x]}}
                  ui: {requires: [vlm], runtime: {command: [x]}}
                  web: {requires: [ui, db], runtime: {command: [x]}}
                """,
                "4:19: servers.ui.requires[0]: no server 'vlm'; did you mean 'vllm'? the servers are vllm, ui, web",
                "5:24: servers.web.requires[1]: no server 'db'; the servers are vllm, ui, web");
    }

    @Test
    void selfDependency() {
        assertProblems("""
                state_dir: /s
                servers:
                  vllm:
                    requires: [vllm]
                    runtime: {command: [x]}
                """,
                "4:16: servers.vllm.requires[0]: a server cannot require itself");
    }

    @Test
    void eachCycleOnceAtTheRequiresOfItsFirstMember() {
        assertProblems("""
                state_dir: /s
                servers:
                  a: {requires: [b], runtime: {command: [x]}}
                  b: {requires: [c], runtime: {command: [x]}}
                  c: {requires: [a], runtime: {command: [x]}}
                  d: {requires: [e], runtime: {command: [x]}}
                  e: {requires: [d, a], runtime: {command: [x]}}
                """,
                "3:18: servers.a.requires[0]: a cycle: a → b → c → a; a server starts only after what it requires is healthy,"
                        + " so none of these could ever start",
                "6:18: servers.d.requires[0]: a cycle: d → e → d; a server starts only after what it requires is healthy,"
                        + " so none of these could ever start");
    }

    @Test
    void portClashesBetweenServersAndWithMetrics() {
        assertProblems("""
                state_dir: /s
                metrics: {listen: "127.0.0.1:9464"}
                servers:
                  vllm:
                    runtime: {command: [x], port: 8000}
                  ui:
                    runtime: {command: [x], port: 8000}
                  web:
                    runtime: {command: [x], port: 9464}
                  side:
                    runtime: {command: [x]}
                    probes: {http: {url: "http://localhost:8000/health"}}
                """,
                "7:35: servers.ui.runtime.port: port 8000 is also servers.vllm's runtime.port (line 5)",
                "9:35: servers.web.runtime.port: port 9464 is also metrics.listen's port (line 2)",
                "12:26: servers.side.probes.http.url: port 8000 is also servers.vllm's runtime.port (line 5)");
    }

    @Test
    void aProblemInDefaultsIsReportedOnceAtItsPlace() {
        assertProblems("""
                state_dir: /s
                defaults:
                  probes: {failure_threshold: 0, tcp_timout: 1s}
                  restart: 5
                  requires: [a]
                servers:
                  a: {runtime: {command: [x]}}
                  b: {runtime: {command: [x]}}
                """,
                "3:31: defaults.probes.failure_threshold: must be 1..100, got 0",
                "3:34: defaults.probes.tcp_timout: unknown key 'tcp_timout'; did you mean 'tcp_timeout'? allowed keys here:"
                        + " schedule, failure_threshold, startup_interval, tcp_timeout, http, gpu, host, trend_window, early_restart, progress, inference",
                "4:12: defaults.restart: expected a mapping with the keys backoff_initial, backoff_max, backoff_reset,"
                        + " kill_timeout, release_timeout, crash_loop, maintenance, maintenance_skip_within, causes, hopeless_after,"
                        + " got the number 5",
                "5:3: defaults.requires: unknown key 'requires'; allowed keys here: runtime, probes, restart");
    }

    @Test
    void didYouMeanWorksInAServerAndAMissingCommandIsTheServers() {
        assertProblems("""
                state_dir: /s
                servers:
                  vllm:
                    runtime: {comand: [x]}
                    requirs: [a]
                """,
                "4:14: servers.vllm.runtime.command: required key is missing (e.g. command: [\"bash\", \"serve.sh\"])",
                "4:15: servers.vllm.runtime.comand: unknown key 'comand'; did you mean 'command'? allowed keys here: command,"
                        + " workdir, env, port, startup_timeout, stop_grace, log, log_max_size, caches",
                "5:5: servers.vllm.requirs: unknown key 'requirs'; did you mean 'requires'? allowed keys here: runtime, probes,"
                        + " restart, requires");
    }
}
