package dev.glyphsupervisor.cli;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProbeCommandTest {

    private static final long GIB = 1L << 30;
    private static final Path FAKE_NVML = Path.of(System.getProperty("basedir", "."), "..", "probes", "target",
            "fake-nvml", "current", "libnvidia-ml.so.1").toAbsolutePath().normalize();

    @TempDir
    Path dir;

    private HttpServer server;

    @AfterEach
    void stopServer() {
        if (server != null) {
            server.stop(0);
        }
    }

    private int startHealthServer() throws Exception {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/health", exchange -> {
            byte[] body = "ok".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        return server.getAddress().getPort();
    }

    /** A port nothing listens on: bound for a moment by us, then released. */
    private static int closedPort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private Path config(int port, String extraProbes) throws Exception {
        return Files.writeString(dir.resolve("c.yaml"), "runtime:\n  command: [\"sleep\", \"1\"]\n  port: " + port + "\n"
                + "probes:\n  tcp_timeout: 1s\n  http: {url: \"http://127.0.0.1:" + port + "/health\", timeout: 2s, "
                + "expect_status: 200, expect_body: ok}\n" + extraProbes
                + "state_dir: " + dir.resolve("state") + "\n");
    }

    private static String lineOf(CliRun run, String probe) {
        return List.of(run.out.toString().split("\n")).stream().filter(l -> l.startsWith(probe + " ")).findFirst()
                .orElseThrow(() -> new AssertionError("no " + probe + " line in:\n" + run.out));
    }

    @Test
    void aHealthyServerPassesEveryProbe() throws Exception {
        int port = startHealthServer();
        CliRun run = new CliRun();
        assertEquals(0, run.execute("probe", "--config", config(port, "  host: {min_available: 1MiB}\n").toString()),
                run.out + "\n" + run.err);
        assertTrue(Pattern.matches("tcp +SUCCESS +\\d+\\.\\d ms  connected to 127\\.0\\.0\\.1:" + port, lineOf(run, "tcp")),
                lineOf(run, "tcp"));
        assertTrue(lineOf(run, "http").contains("SUCCESS") && lineOf(run, "http").endsWith("status 200"), lineOf(run, "http"));
        // the listener is this JVM, so the host probe measures it
        assertTrue(run.out.toString().contains("server: pid " + ProcessHandle.current().pid() + " listens on port " + port),
                run.out.toString());
        assertTrue(lineOf(run, "host").contains("SUCCESS") && lineOf(run, "host").contains("MemAvailable"), lineOf(run, "host"));
    }

    @Test
    void aClosedPortFails() throws Exception {
        int port = closedPort();
        CliRun run = new CliRun();
        assertEquals(1, run.execute("probe", "--config", config(port, "").toString()));
        assertTrue(lineOf(run, "tcp").contains("FAILURE") && lineOf(run, "tcp").contains("connection refused"),
                lineOf(run, "tcp"));
        assertTrue(lineOf(run, "http").contains("FAILURE"), lineOf(run, "http"));
        assertTrue(run.out.toString().contains("server: nothing listens on port " + port), run.out.toString());
    }

    @Test
    void aMissingNvmlLibraryIsUnknownWithTheReason() throws Exception {
        int port = startHealthServer();
        Path library = dir.resolve("no-such-dir/libnvidia-ml.so.1");
        CliRun run = new CliRun();
        assertEquals(1, run.execute("probe", "--config", config(port, "  gpu: {library: " + library + "}\n").toString()));
        assertTrue(lineOf(run, "tcp").contains("SUCCESS"), run.out.toString());
        String gpu = lineOf(run, "gpu");
        assertTrue(gpu.contains("UNKNOWN") && gpu.endsWith(library + " not found"), gpu);
    }

    /**
     * The GPU probe on the probes module's fake libnvidia-ml.so.1, in a forked glyphctl: the fake reads its
     * script from an environment variable. The listener on the port is this JVM, so the fake charges GPU
     * memory to this JVM's pid and the probe must sum it against max_process_memory.
     */
    @Test
    void theGpuReadingIsJudgedAgainstTheLimits() throws Exception {
        assertTrue(Files.exists(FAKE_NVML), "the probes module's build compiles " + FAKE_NVML);
        int port = startHealthServer();
        long me = ProcessHandle.current().pid();
        Path script = Files.writeString(dir.resolve("nvml-script.txt"),
                "device GPU-00000000-fake-0000-0000-000000000000 " + 80 * GIB + " " + 3 * GIB + " NVIDIA H100 80GB HBM3\n"
                        + "process 0 " + me + " " + 2 * GIB + "\n" + "process 0 99999 " + GIB + "\n");

        Forked ok = fork(config(port, "  gpu: {library: \"" + FAKE_NVML + "\", max_process_memory: 4GiB}\n"), script);
        assertEquals(0, ok.exit, ok.output);
        assertTrue(ok.output.contains("gpu   SUCCESS") && ok.output.contains("GPU 0 NVIDIA H100 80GB HBM3: 3.0 GiB of 80.0 GiB used, "
                + "processes " + me + " (2.0 GiB), 99999 (1.0 GiB); server pids [" + me + "]: 2.0 GiB"), ok.output);

        Forked over = fork(config(port, "  gpu: {library: \"" + FAKE_NVML + "\", max_process_memory: 1GiB}\n"), script);
        assertEquals(1, over.exit, over.output);
        assertTrue(over.output.contains("gpu   FAILURE") && over.output.contains("server 2.0 GiB > max_process_memory 1.0 GiB"),
                over.output);
    }

    /**
     * Issue 13: glyphctl probe counted only the process listening on the port (582 MiB against a 2,216 MiB tree).
     * A uvicorn-like server, a parent and two workers sharing the socket, each holding 1 GiB on the fake GPU: the
     * probe must sum the whole tree, as the daemon does, whichever of them the kernel names as the listener.
     */
    @Test
    void theWholeTreeOfTheListenerIsMeasured() throws Exception {
        assertTrue(Files.exists(FAKE_NVML), "the probes module's build compiles " + FAKE_NVML);
        int port = closedPort();
        String marker = "GLYPH_PROBE_TREE_TEST=" + System.nanoTime();
        ProcessBuilder pb = new ProcessBuilder("python3", dev.glyphsupervisor.e2e.TestServer.SCRIPT.toString(),
                "--port", Integer.toString(port), "--workers", "2").redirectErrorStream(true)
                .redirectOutput(dir.resolve("server.log").toFile());
        pb.environment().put(marker.substring(0, marker.indexOf('=')), marker.substring(marker.indexOf('=') + 1));
        Process server = pb.start();
        try {
            dev.glyphsupervisor.e2e.Await.until(java.time.Duration.ofSeconds(30), "the server and its two workers",
                    () -> server.descendants().count() >= 2 && listening(port));
            Path script = Files.writeString(dir.resolve("nvml-script.txt"),
                    "device GPU-00000000-fake-0000-0000-000000000000 " + 80 * GIB + " auto NVIDIA H100 80GB HBM3\n"
                            + "marked 0 " + marker + " " + GIB + "\n" + "process 0 99999 " + 5 * GIB + "\n");
            Path config = Files.writeString(dir.resolve("c.yaml"), "runtime:\n  command: [\"sleep\", \"1\"]\n  port: "
                    + port + "\nprobes:\n  gpu: {library: \"" + FAKE_NVML + "\", max_process_memory: 4GiB}\n"
                    + "state_dir: " + dir.resolve("state") + "\n");

            Forked run = fork(config, script);
            java.util.List<Long> tree = new java.util.ArrayList<>(java.util.List.of(server.pid()));
            server.descendants().forEach(d -> tree.add(d.pid()));
            java.util.Collections.sort(tree);
            assertEquals(0, run.exit, run.output);
            assertTrue(run.output.contains("its process tree: pids " + tree), run.output);
            assertTrue(run.output.contains("server pids " + tree + ": 3.0 GiB"), run.output);
        } finally {
            server.descendants().forEach(ProcessHandle::destroyForcibly);
            server.destroyForcibly().waitFor();
        }
    }

    private static boolean listening(int port) {
        try (java.net.Socket s = new java.net.Socket(InetAddress.getLoopbackAddress(), port)) {
            return true;
        } catch (java.io.IOException e) {
            return false;
        }
    }

    private record Forked(int exit, String output) {
    }

    private static Forked fork(Path config, Path script) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), Glyphctl.class.getName(),
                "probe", "--config", config.toString()).redirectErrorStream(true);
        pb.environment().put("FAKE_NVML_SCRIPT", script.toString());
        Process p = pb.start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "glyphctl probe ends");
        return new Forked(p.exitValue(), output);
    }

    @Test
    void anInvalidConfigIsAUsageError() throws Exception {
        Path bad = Files.writeString(dir.resolve("bad.yaml"), "runtime:\n  command: [\"sleep\"]\n  prot: 1\n");
        CliRun run = new CliRun();
        assertEquals(2, run.execute("probe", "--config", bad.toString()));
        assertTrue(run.err.toString().contains("prot"), run.err.toString());
    }
}
