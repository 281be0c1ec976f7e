package dev.glyphsupervisor.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {

    @TempDir
    Path dir;

    @Test
    void readsEveryKeyOfAFullConfig() throws ConfigException {
        Path file = ConfigFiles.copyFixture(dir, "full.yaml");

        SupervisorConfig config = ConfigLoader.load(file);

        Map<String, String> env = new LinkedHashMap<>();
        env.put("PYTORCH_CUDA_ALLOC_CONF", "expandable_segments:True");
        env.put("WORKERS", "4");
        env.put("DEBUG", "true");
        env.put("DATA", dir + "/data");
        RuntimeConfig runtime = new RuntimeConfig(
                List.of("bash", dir + "/serve.sh", "--port", "7861"),
                dir.resolve("work"), env, OptionalInt.of(7861),
                Duration.ofMinutes(15), Duration.ofSeconds(90), dir.resolve("logs/runtime.out"),
                7L * (1L << 30) + (1L << 29), List.of("/tmp/glyph_*.png", dir + "/cache/*"),
                Path.of(System.getProperty("user.home")));
        ProbesConfig probes = new ProbesConfig(new IntervalProbeSchedule(Duration.ofSeconds(10)), 3,
                Duration.ofMillis(500), Duration.ofSeconds(3),
                Optional.of(new HttpProbeConfig(URI.create("https://127.0.0.1:7861/config"), Duration.ofSeconds(4), 204,
                        Optional.of("ok"))),
                Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), ProbesConfig.DEFAULT_TREND_WINDOW,
                Optional.empty());
        RestartConfig restart = new RestartConfig(Duration.ofSeconds(1), Duration.ofMinutes(2), Duration.ofHours(1),
                new CrashLoopConfig(3, Duration.ofDays(1)), Duration.ofSeconds(7), Duration.ofSeconds(45), Optional.empty(),
                RestartConfig.DEFAULT_MAINTENANCE_SKIP_WITHIN, List.of(), RestartConfig.DEFAULT_HOPELESS_AFTER);
        AuditConfig audit = new AuditConfig(Path.of("/var/tmp/glyph-audit.jsonl"), 10_000_000L, 9);
        SupervisorConfig expected = TestConfigs.config(file, dir.resolve("state"))
                .runtime(runtime).probes(probes).restart(restart).audit(audit).build();
        assertEquals(expected, config);
        assertEquals(List.copyOf(env.keySet()), List.copyOf(config.onlyServer().runtime().env().keySet()), "env keeps file order");
    }

    @Test
    void fillsEveryDefault() throws ConfigException {
        Path file = ConfigFiles.copyFixture(dir, "defaults.yaml");

        SupervisorConfig config = ConfigLoader.load(file);

        Path state = dir.resolve("state");
        // The defaults as values, not as the DEFAULT_* constants: the README states these.
        RuntimeConfig runtime = new RuntimeConfig(List.of("llama-server"), dir, Map.of(), OptionalInt.empty(),
                Duration.ofMinutes(10), Duration.ofSeconds(20), state.resolve("runtime.log"), 64L << 20, List.of(),
                Path.of(System.getProperty("user.home")));
        ProbesConfig probes = new ProbesConfig(new CronProbeSchedule("0 * * * * ?"), 2, Duration.ofSeconds(2),
                Duration.ofSeconds(2), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
                Duration.ofMinutes(30),
                Optional.empty());
        RestartConfig restart = new RestartConfig(Duration.ofSeconds(2), Duration.ofMinutes(5), Duration.ofMinutes(5),
                new CrashLoopConfig(5, Duration.ofMinutes(10)), Duration.ofSeconds(10), Duration.ofSeconds(30),
                Optional.empty(), Duration.ofHours(1), List.of(), 2);
        AuditConfig audit = new AuditConfig(state.resolve("audit.jsonl"), 64L << 20, 5);
        ControlConfig control = new ControlConfig(state.resolve("control.sock"), 0660, Optional.empty());
        assertEquals(TestConfigs.config(file, state).runtime(runtime).probes(probes).restart(restart).audit(audit)
                .control(control).build(), config);
        assertEquals(TestConfigs.config(file, state).runtime(runtime).build(), config,
                "the test fixture's defaults are the loader's");
    }

    @Test
    void metricsAreOffUnlessListenIsGiven() throws ConfigException {
        Path off = ConfigFiles.write(dir, "off.yaml", "runtime: {command: [x]}\nstate_dir: /s\n");
        assertEquals(Optional.empty(), ConfigLoader.load(off).metrics());

        Path on = ConfigFiles.write(dir, "on.yaml", """
                runtime: {command: [x]}
                state_dir: /s
                metrics:
                  listen: 127.0.0.1:9464
                """);
        assertEquals(Optional.of(new MetricsConfig("127.0.0.1", 9464)), ConfigLoader.load(on).metrics());

        Path ipv6 = ConfigFiles.write(dir, "ipv6.yaml", "runtime: {command: [x]}\nstate_dir: /s\nmetrics: {listen: \"[::1]:9100\"}\n");
        assertEquals(Optional.of(new MetricsConfig("::1", 9100)), ConfigLoader.load(ipv6).metrics());
    }

    @Test
    void httpProbeDefaultsApplyWhenOnlyTheUrlIsGiven() throws ConfigException {
        Path file = ConfigFiles.write(dir, "c.yaml", """
                runtime: {command: [x]}
                probes: {http: {url: "http://localhost:8080/health"}}
                state_dir: /var/lib/glyph-supervisor
                """);

        HttpProbeConfig http = ConfigLoader.load(file).onlyServer().probes().http().orElseThrow();

        assertEquals(new HttpProbeConfig(URI.create("http://localhost:8080/health"), Duration.ofSeconds(10), 200,
                Optional.empty()), http);
    }

    @Test
    void expandsConfigDirAndResolvesRelativePathsAgainstTheConfigDirectory() throws ConfigException {
        Path file = ConfigFiles.write(dir, "c.yaml", """
                runtime:
                  command: ["${config_dir}/bin/serve"]
                  workdir: ./models/../models
                  log: ${config_dir}/logs/server.log
                  caches: ["${config_dir}/tmp/*.png"]
                state_dir: ../state
                audit: {path: audit/events.jsonl}
                """);

        SupervisorConfig config = ConfigLoader.load(file);

        assertEquals(List.of(dir + "/bin/serve"), config.onlyServer().runtime().command());
        assertEquals(dir.resolve("models"), config.onlyServer().runtime().workdir());
        assertEquals(dir.resolve("logs/server.log"), config.onlyServer().runtime().log());
        assertEquals(List.of(dir + "/tmp/*.png"), config.onlyServer().runtime().caches());
        assertEquals(dir.getParent().resolve("state"), config.stateDir());
        assertEquals(dir.resolve("audit/events.jsonl"), config.audit().path());
    }

    @Test
    void relativePathsDoNotDependOnHowTheFileWasNamed() throws Exception {
        ConfigFiles.write(dir, "c.yaml", "runtime: {command: [x]}\nstate_dir: state\n");
        Files.createDirectory(dir.resolve("sub"));
        Path roundabout = dir.resolve("sub/../c.yaml");

        SupervisorConfig config = ConfigLoader.load(roundabout);

        assertEquals(dir.resolve("state"), config.stateDir());
        assertEquals(roundabout, config.source(), "source is the path as given");
    }

    @Test
    void remembersWhereEachKeyWasWritten() throws ConfigException {
        Path file = ConfigFiles.write(dir, "c.yaml", """
                state_dir: /var/lib/g
                runtime:
                  command:
                    - nosuchbin
                """);

        ConfigLocations at = ConfigLoader.load(file).locations();

        assertEquals(file + ":4:7: runtime.command[0]: oops", at.problem("runtime.command[0]", "oops"));
        assertEquals(file + ":1:12", at.where("state_dir"));
        assertEquals(file + ":3:3", at.where("runtime.log"), "an unwritten key is placed at its nearest written ancestor");
    }

    @Test
    void loadsEachExampleConfig() throws ConfigException {
        for (String example : List.of("glyph.yaml", "vllm.yaml", "llama-cpp.yaml", "glyph-stack.yaml", "vllm-8gpu.yaml",
                "two-gpu.yaml", "reference-stack.yaml", "sglang.yaml")) {
            // Surefire runs in the module directory; the examples live at the repository root.
            SupervisorConfig config = ConfigLoader.load(Path.of("..", "conf", "examples", example));
            assertFalse(config.servers().isEmpty(), example);
            for (ServerConfig server : config.servers()) {
                assertTrue(server.runtime().port().isPresent(), example + " " + server.name());
                assertTrue(server.probes().http().isPresent(), example + " " + server.name());
            }
        }
    }

    @Test
    void theStackExamplesHaveTheirServersAndOrder() throws ConfigException {
        assertEquals(List.of("vllm", "demo"), names("glyph-stack.yaml"));
        assertEquals(List.of("gpu0", "gpu1", "gpu2", "gpu3", "gpu4", "gpu5", "gpu6", "gpu7"), names("vllm-8gpu.yaml"));
        assertEquals(List.of("autoglm"), names("two-gpu.yaml"));
        assertEquals(List.of("embeddings", "search"), names("reference-stack.yaml"));
        SupervisorConfig glyph = ConfigLoader.load(Path.of("..", "conf", "examples", "glyph-stack.yaml"));
        assertEquals(List.of("vllm"), glyph.server("demo").orElseThrow().requires());
    }

    /** The reference stack in conf/examples is the default config with the paths of its own directory. */
    @Test
    void theReferenceStackExampleIsTheDefaultConfig() throws ConfigException {
        SupervisorConfig example = ConfigLoader.load(Path.of("..", "conf", "examples", "reference-stack.yaml"));
        SupervisorConfig dflt = ConfigLoader.load(Path.of("..", "conf", "glyph-supervisor.yaml"));
        assertEquals(dflt.serverNames(), example.serverNames());
        assertEquals(dflt.stateDir().toAbsolutePath().normalize(), example.stateDir().toAbsolutePath().normalize());
        for (ServerConfig server : dflt.servers()) {
            ServerConfig other = example.server(server.name()).orElseThrow();
            assertEquals(server.runtime().command(), other.runtime().command(), server.name());
            assertEquals(server.runtime().port(), other.runtime().port(), server.name());
            assertEquals(server.requires(), other.requires(), server.name());
            assertEquals(server.runtime().log().toAbsolutePath().normalize(),
                    other.runtime().log().toAbsolutePath().normalize(), server.name());
        }
    }

    @Test
    void theDefaultConfigIsTheReferenceStack() throws ConfigException {
        SupervisorConfig config = ConfigLoader.load(Path.of("..", "conf", "glyph-supervisor.yaml"));

        assertEquals(List.of("embeddings", "search"), config.serverNames());
        ServerConfig embeddings = config.server("embeddings").orElseThrow();
        ServerConfig search = config.server("search").orElseThrow();
        assertEquals(List.of(), embeddings.requires());
        assertEquals(List.of("embeddings"), search.requires());
        assertEquals(OptionalInt.of(7878), embeddings.runtime().port());
        assertEquals(OptionalInt.of(7879), search.runtime().port());
        assertEquals(URI.create("http://127.0.0.1:7878/health"), embeddings.probes().http().orElseThrow().url());
        assertEquals(URI.create("http://127.0.0.1:7879/health"), search.probes().http().orElseThrow().url());
        assertTrue(search.runtime().command().contains("dev.glyphsupervisor.reference.SearchFront"), search.runtime().command().toString());
        Path project = Path.of("..").toAbsolutePath().normalize();
        assertEquals(project, embeddings.runtime().workdir().toAbsolutePath().normalize());
        assertEquals(project.resolve("run/log/embeddings.log"), embeddings.runtime().log().toAbsolutePath().normalize());
        assertEquals(project.resolve("run/log/search.log"), search.runtime().log().toAbsolutePath().normalize());
        assertEquals(1, embeddings.runtime().caches().size());
        String cache = embeddings.runtime().caches().get(0);
        assertTrue(cache.endsWith("/**"), cache);
        assertEquals(project.resolve("run/cache"), Path.of(cache.substring(0, cache.length() - 3)).normalize());
        assertEquals(project.resolve("run/state"), config.stateDir().toAbsolutePath().normalize());
        // the shared settings of defaults: reach both servers
        assertEquals(search.probes().failureThreshold(), embeddings.probes().failureThreshold());
    }

    private static List<String> names(String example) throws ConfigException {
        return ConfigLoader.load(Path.of("..", "conf", "examples", example)).serverNames();
    }

    @Test
    void glyphExampleIsTheGlyphWebUi() throws ConfigException {
        SupervisorConfig config = ConfigLoader.load(Path.of("..", "conf", "examples", "glyph.yaml"));

        assertEquals(List.of("bash", "界面推理.sh"), config.onlyServer().runtime().command());
        assertEquals(Path.of("/root"), config.onlyServer().runtime().workdir());
        assertEquals(OptionalInt.of(7860), config.onlyServer().runtime().port());
        assertEquals(URI.create("http://127.0.0.1:7860/config"), config.onlyServer().probes().http().orElseThrow().url());
        assertEquals(List.of("/tmp/glyph_*.png", "/tmp/gradio/**"), config.onlyServer().runtime().caches());
        assertEquals(Path.of("/var/lib/glyph-supervisor"), config.stateDir());
    }
}
