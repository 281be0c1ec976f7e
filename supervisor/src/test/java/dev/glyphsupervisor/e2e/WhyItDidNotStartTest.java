package dev.glyphsupervisor.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * "Why did it not start?" end to end: the real {@code bin/glyphctl daemon} (on the classes under test) launching
 * scripts that fail for each cause, with real Python and shell failures where this machine can produce them; the
 * audit records' cause and log_tail, {@code glyphctl status}, FAILED after 2 identical failures no retry can fix (not
 * after crash_loop.max_restarts), and a script fixed on disk picked up by the next slow retry.
 */
class WhyItDidNotStartTest {

    private static final Duration T = Duration.ofSeconds(40);

    @TempDir
    Path dir;

    private final List<DaemonProcess> daemons = new ArrayList<>();
    private final List<AutoCloseable> held = new ArrayList<>();

    @AfterEach
    void cleanUp() throws Exception {
        for (DaemonProcess d : daemons) {
            d.closeWithServers();
        }
        for (AutoCloseable c : held) {
            c.close();
        }
    }

    /** An executable launch script in the test's directory, written atomically (a fix may replace it mid-retry). */
    private Path script(String name, String body) throws IOException {
        Path script = dir.resolve(name);
        Path tmp = dir.resolve(name + ".tmp");
        Files.writeString(tmp, "#!/bin/sh\n" + body);
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.move(tmp, script, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        return script;
    }

    private ConfigFile config(Path script) {
        // max_restarts 10: a hopeless cause must be FAILED after 2 failures, long before this budget is spent.
        // backoff_max 6s: the slow retry of FAILED leaves time to read the status while FAILED.
        return new ConfigFile(dir, TestServer.freePort(), "[\"" + script + "\"]")
                .set("backoff_initial", "100ms").set("backoff_max", "6s").set("max_restarts", "10");
    }

    private DaemonProcess start(ConfigFile config) {
        return start(config, List.of());
    }

    private DaemonProcess start(ConfigFile config, List<String> wrapper) {
        DaemonProcess d = DaemonProcess.startThroughScript(config.write(), config.audit(), wrapper, env -> { });
        daemons.add(d);
        return d;
    }

    private GlyphctlLauncher.Result glyphctl(String... args) throws IOException {
        Path io = Files.createDirectories(dir.resolve("io"));
        List<String> argv = new ArrayList<>(List.of(args));
        argv.addAll(List.of("--config", dir.resolve("supervisor.yaml").toString()));
        return GlyphctlLauncher.run(io, T, argv);
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    /** The audit records of {@code event}, in order, once there are {@code n}. */
    private static List<JsonNode> awaitCount(DaemonProcess d, String event, int n) {
        Await.until(T, n + " x " + event, () -> d.all(event).size() >= n, d::describe);
        return d.all(event);
    }

    @Test
    void aMissingModuleIsFailedAfterTwoIdenticalFailuresAndTheFixOnDiskIsPickedUpByTheSlowRetry() throws Exception {
        Path script = script("launch.sh", "echo 'loading glyph'\nexec python3 -c 'import gradio_not_installed'\n");
        ConfigFile config = config(script);
        int metricsPort = TestServer.freePort();
        config.set("extra", "metrics: {listen: \"127.0.0.1:" + metricsPort + "\"}\n");
        DaemonProcess d = start(config);

        JsonNode gaveUp = d.await("hopeless_cause", T);
        List<JsonNode> exits = d.all("runtime_exited");
        assertEquals(2, exits.size(), "FAILED after 2 identical failures, not crash_loop.max_restarts (10): " + d.describe());
        List<String> expectedTail = List.of("loading glyph", "Traceback (most recent call last):",
                "  File \"<string>\", line 1, in <module>", "ModuleNotFoundError: No module named 'gradio_not_installed'");
        for (JsonNode exit : exits) {
            assertEquals(1, exit.get("exit_code").asInt());
            assertEquals("missing_module", exit.get("cause").asText());
            assertEquals("ModuleNotFoundError: No module named 'gradio_not_installed'", exit.get("cause_line").asText());
            assertEquals(expectedTail, strings(exit.get("log_tail")), "only what this generation wrote: " + exit);
        }
        assertEquals("missing_module", gaveUp.get("cause").asText());
        assertEquals(2, gaveUp.get("identical_failures").asInt());
        assertEquals(2, gaveUp.get("hopeless_after").asInt());
        assertEquals(expectedTail, strings(gaveUp.get("log_tail")));
        assertTrue(d.all("crash_loop").isEmpty(), d.describe());

        GlyphctlLauncher.Result status = glyphctl("status");
        assertEquals(1, status.exit(), status.out() + status.err());
        List<String> lines = status.out().lines().toList();
        assertTrue(lines.get(0).startsWith("glyph-supervisor: FAILED — gave up: the same failure, which no retry can fix"),
                status.out());
        assertTrue(lines.contains("  failure     the launch script failed: ModuleNotFoundError: No module named "
                + "'gradio_not_installed'"), status.out());
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("  cause       missing_module (a Python module or library it "
                + "imports is not installed); exit 1;") && l.endsWith("no retry can fix this")), status.out());
        JsonNode json = new ObjectMapper().readTree(glyphctl("status", "--json").out());
        assertEquals("FAILED", json.get("state").asText());
        JsonNode failure = json.get("last_failure");
        assertEquals("missing_module", failure.get("cause").asText());
        assertEquals("ModuleNotFoundError: No module named 'gradio_not_installed'", failure.get("cause_line").asText());
        assertEquals(expectedTail, strings(failure.get("log_tail")));
        assertTrue(failure.get("hopeless").asBoolean());
        assertFalse(failure.get("retry").asBoolean());
        assertTrue(scrape(metricsPort).contains("glyph_supervisor_start_failures_total{cause=\"missing_module\",server=\"default\"}"),
                "the start failures are counted by cause");

        // The operator installs the module (here: the script is fixed on disk). No daemon restart, no glyphctl restart.
        script("launch.sh", "exec python3 '" + TestServer.SCRIPT + "' --port " + config.port() + " --workers 0"
                + " --startup-delay 0 --control '" + dir.resolve("control") + "'\n");
        JsonNode healthy = d.await("runtime_healthy", T);
        JsonNode relaunch = d.await("runtime_launched", e -> e.get("generation").asLong() == healthy.get("generation").asLong(), T);
        assertTrue(Duration.between(java.time.Instant.parse(gaveUp.get("ts").asText()),
                java.time.Instant.parse(relaunch.get("ts").asText())).toMillis() >= 5000,
                "the fix came with a slow retry (backoff_max 6s), not a burst: " + d.describe());
        JsonNode after = new ObjectMapper().readTree(glyphctl("status", "--json").out());
        assertEquals("RUNNING", after.get("state").asText());
        assertTrue(after.get("last_failure").isNull(), "healthy again: " + after);
    }

    @Test
    void aModelFileThatDoesNotExist() throws Exception {
        Path script = script("launch.sh",
                "exec python3 -c \"open('/nonexistent/models/glyph/model.safetensors', 'rb')\"\n");
        DaemonProcess d = start(config(script));

        JsonNode gaveUp = d.await("hopeless_cause", T);
        assertEquals("file_not_found", gaveUp.get("cause").asText());
        assertEquals("FileNotFoundError: [Errno 2] No such file or directory: '/nonexistent/models/glyph/model.safetensors'",
                gaveUp.get("cause_line").asText());
        assertEquals(2, d.all("runtime_exited").size());
        assertTrue(glyphctl("status").out().contains("  failure     the launch script failed: FileNotFoundError: [Errno 2] "
                + "No such file or directory: '/nonexistent/models/glyph/model.safetensors'"));
    }

    @Test
    void aServerBinaryThatIsNotExecutable() throws Exception {
        Path binary = Files.writeString(dir.resolve("model_server"), "#!/bin/sh\necho never runs\n");
        Files.setPosixFilePermissions(binary, PosixFilePermissions.fromString("rw-r--r--"));
        Path script = script("launch.sh", "exec '" + binary + "' --port 7860\n");
        DaemonProcess d = start(config(script));

        JsonNode gaveUp = d.await("hopeless_cause", T);
        JsonNode exited = d.all("runtime_exited").get(0);
        assertEquals(126, exited.get("exit_code").asInt(), "the shell's 'not executable' (root passes every read check)");
        assertEquals("permission_denied", exited.get("cause").asText());
        assertTrue(exited.get("cause_line").asText().endsWith(binary + ": Permission denied"), exited.toString());
        assertEquals("permission_denied", gaveUp.get("cause").asText());
        assertEquals(2, d.all("runtime_exited").size());
    }

    @Test
    void aPortAlreadyBoundByAnotherProcessIsRetriedAsUsual() throws Exception {
        // runtime.port is free (the supervisor's own check passes); the server also binds a second port (Gradio's
        // 7860 beside vLLM's 5002, in Glyph's layout), and that one is held by a real socket of this test.
        try (ServerSocket holder = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Path script = script("launch.sh", "exec python3 -c \"import socket; s = socket.socket(); "
                    + "s.bind(('127.0.0.1', " + holder.getLocalPort() + ")); s.listen()\"\n");
            DaemonProcess d = start(config(script));

            List<JsonNode> exits = awaitCount(d, "runtime_exited", 3);
            for (JsonNode exit : exits.subList(0, 3)) {
                assertEquals("port_in_use", exit.get("cause").asText());
                assertEquals("OSError: [Errno 98] Address already in use", exit.get("cause_line").asText());
            }
            assertTrue(d.all("hopeless_cause").isEmpty(), "the holder may go away: retried with the backoff " + d.describe());
        }
    }

    @Test
    void cudaOutOfMemoryIsRetriedAndItsCrashLoopRecordSaysWhy() throws Exception {
        // Canned: no GPU here. The lines are what PyTorch 2.x prints when loading runs out of device memory.
        Path script = script("launch.sh", """
                cat >&2 <<'EOF'
                Loading checkpoint shards:  50%|█████     | 1/2 [00:04<00:04,  4.51s/it]
                Traceback (most recent call last):
                  File "/opt/glyph/serve.py", line 41, in <module>
                    model = AutoModelForCausalLM.from_pretrained(path, torch_dtype=torch.bfloat16).to("cuda")
                torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 1.02 GiB. GPU 0 has a total capacity of 79.10 GiB of which 601.56 MiB is free. Including non-PyTorch memory, this process has 78.49 GiB memory in use. Of the allocated memory 77.80 GiB is allocated by PyTorch, and 112.33 MiB is reserved by PyTorch but unallocated. If reserved but unallocated memory is large try setting PYTORCH_CUDA_ALLOC_CONF=expandable_segments:True to avoid fragmentation.  See documentation for Memory Management  (https://pytorch.org/docs/stable/notes/cuda.html#environment-variables)
                EOF
                exit 1
                """);
        DaemonProcess d = start(config(script).set("max_restarts", "3"));

        JsonNode loop = d.await("crash_loop", T);
        assertEquals(4, d.all("runtime_exited").size(), "a retry can fix it: the whole budget (3) is used " + d.describe());
        assertTrue(d.all("hopeless_cause").isEmpty());
        assertEquals("gpu_out_of_memory", loop.get("cause").asText());
        assertTrue(loop.get("cause_line").asText().startsWith("torch.OutOfMemoryError: CUDA out of memory. Tried to allocate"));
        assertEquals(5, loop.get("log_tail").size());
        GlyphctlLauncher.Result status = glyphctl("status");
        assertTrue(status.out().startsWith("glyph-supervisor: FAILED — crash loop"), status.out());
        assertTrue(status.out().contains("  failure     the launch script failed: torch.OutOfMemoryError: CUDA out of memory."),
                status.out());
        assertTrue(status.out().contains("  cause       gpu_out_of_memory (the GPU ran out of memory); exit 1; 4 identical failures in a row"),
                status.out());
    }

    @Test
    void aCudaDriverTooOldForTheRuntimeIsFailedAfterTwo() throws Exception {
        // Canned: no GPU here. The line is PyTorch's when the driver is older than the CUDA it was built with.
        Path script = script("launch.sh", "echo 'RuntimeError: The NVIDIA driver on your system is too old (found version 11040). "
                + "Please update your GPU driver by downloading and installing a new version from the URL: "
                + "http://www.nvidia.com/Download/index.aspx' >&2\nexit 1\n");
        DaemonProcess d = start(config(script));

        JsonNode gaveUp = d.await("hopeless_cause", T);
        assertEquals("cuda_driver", gaveUp.get("cause").asText());
        assertEquals(2, d.all("runtime_exited").size());
    }

    @Test
    void aStartupTimeoutCarriesWhatTheServerWroteWhileHanging() throws Exception {
        // Canned: vLLM's line when the KV cache does not fit, from a server that then hangs instead of exiting.
        Path script = script("launch.sh", "echo 'ERROR 11-26 12:00:01 [core.py:586] ValueError: No available memory for the "
                + "cache blocks. Try increasing `gpu_memory_utilization` when initializing the engine.'\nexec sleep 600\n");
        DaemonProcess d = start(config(script).set("startup_timeout", "1500ms"));

        JsonNode decided = d.await("restart_decided", T);
        assertEquals("startup_timeout", decided.get("reason").asText());
        assertEquals("gpu_out_of_memory", decided.get("cause").asText());
        assertEquals(1, decided.get("log_tail").size());
        assertTrue(decided.get("cause_line").asText().contains("No available memory for the cache blocks"), decided.toString());
    }

    @Test
    void theKernelsOomKillerIsNamedFromTheCgroupsRecord() throws Exception {
        Optional<MemoryCgroup> cgroup = MemoryCgroup.create("glyph-oom-test-" + ProcessHandle.current().pid() + "-"
                + System.nanoTime(), 512L << 20);
        Assumptions.assumeTrue(cgroup.isPresent(), "needs root and a writable cgroup memory controller (v1, or v2 at the root)");
        held.add(cgroup.get());
        // Real: the server allocates until the cgroup's limit, and the kernel's OOM killer SIGKILLs it (it asks to be
        // the victim rather than the daemon, which shares the cgroup as a systemd service's main process would).
        Path script = script("launch.sh", "echo 'loading weights'\necho 1000 > /proc/self/oom_score_adj\n"
                + "exec python3 -c \"chunks = []\nwhile True: chunks.append(b'x' * (32 << 20))\"\n");
        DaemonProcess d = start(config(script), cgroup.get().wrapper());

        JsonNode exited = d.await("runtime_exited", T);
        assertEquals(137, exited.get("exit_code").asInt(), d.describe());
        assertEquals("oom_killed", exited.get("cause").asText(), d.describe());
        assertTrue(exited.get("cause_line").asText().startsWith("the kernel's OOM killer killed 1 process(es)"), exited.toString());
        assertEquals(List.of("loading weights"), strings(exited.get("log_tail")));
        assertNotEquals("FAILED", new ObjectMapper().readTree(glyphctl("status", "--json").out()).get("state").asText(),
                "host memory may come back: retried");
    }

    private static String scrape(int port) throws IOException {
        try (InputStream in = URI.create("http://127.0.0.1:" + port + "/metrics").toURL().openStream()) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
