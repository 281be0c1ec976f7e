package dev.glyphsupervisor.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.glyphsupervisor.cli.Glyphctl;
import dev.glyphsupervisor.runtime.Signals;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static dev.glyphsupervisor.e2e.FakeGpu.GIB;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two servers of one daemon on one GPU (the fake libnvidia-ml.so.1): each server's tree memory is its own, and the
 * release check before relaunching one judges that server's pids and share, never failing because the other holds
 * memory on the same device.
 */
class StackGpuTest {

    private static final Duration T = Duration.ofSeconds(40);

    @TempDir
    Path dir;

    private DaemonProcess daemon;
    private FakeGpu gpu;
    private Path config;

    @AfterEach
    void cleanUp() throws InterruptedException {
        if (daemon != null) {
            daemon.closeWithServers();
        }
        if (gpu != null) {
            gpu.close();
        }
    }

    private static String server(String name, int port, Path dir) {
        return "  " + name + ":\n"
                + "    runtime:\n"
                + "      command: " + TestServer.command(port, 0, 0, dir.resolve(name + ".control")) + "\n"
                + "      workdir: " + dir + "\n"
                + "      port: " + port + "\n"
                + "    probes: {http: {url: \"http://127.0.0.1:" + port + "/health\", timeout: 1s, expect_status: 200}}\n";
    }

    private JsonNode status(String name) throws Exception {
        StringWriter out = new StringWriter();
        CommandLine cli = Glyphctl.commandLine();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(new StringWriter()));
        cli.execute("status", name, "--json", "--config", config.toString());
        return new ObjectMapper().readTree(out.toString());
    }

    @Test
    void eachServerCountsItsOwnTreeAndOneReleasesWhileTheOtherHoldsTheSameDevice() throws Exception {
        Path state = dir.resolve("state");
        gpu = new FakeGpu(dir, state.resolve("servers").resolve("a"), 10 * GIB)
                .alsoServer(state.resolve("servers").resolve("b"), 30 * GIB)
                .linger(300, 300); // a dead process of a stays listed a while, then its memory is freed late
        config = dir.resolve("stack.yaml");
        Files.writeString(config, "state_dir: " + state + "\n"
                + "audit: {path: " + dir.resolve("audit.jsonl") + "}\n"
                + "defaults:\n"
                + "  runtime: {startup_timeout: 30s, stop_grace: 2s, caches: []}\n"
                + "  probes: {schedule: 300ms, failure_threshold: 2, startup_interval: 100ms, gpu: "
                + FakeGpu.config("release_timeout: 10s") + "}\n"
                + "  restart: {backoff_initial: 200ms, backoff_max: 2s, kill_timeout: 5s, release_timeout: 5s}\n"
                + "servers:\n"
                + server("a", TestServer.freePort(), dir)
                + server("b", TestServer.freePort(), dir));
        daemon = DaemonProcess.start(config, dir.resolve("audit.jsonl"), gpu.env());
        daemon.await("runtime_healthy", e -> e.path("server").asText().equals("a"), T);
        daemon.await("runtime_healthy", e -> e.path("server").asText().equals("b"), T);

        Await.until(T, "each server's own tree memory in its status", () -> {
            try {
                return status("a").path("gpu").path("tree_bytes").asLong() == 10 * GIB
                        && status("b").path("gpu").path("tree_bytes").asLong() == 30 * GIB;
            } catch (Exception e) {
                return false;
            }
        });

        long aPid = daemon.await("runtime_launched", e -> e.path("server").asText().equals("a"), T).get("pid").asLong();
        Signals.kill(aPid, Signals.SIGKILL);
        JsonNode released = daemon.await("gpu_released", e -> e.path("server").asText().equals("a"), T);
        assertTrue(released.get("old_pids").toString().contains(String.valueOf(aPid)), released.toString());
        daemon.await("runtime_healthy", e -> e.path("server").asText().equals("a") && e.get("generation").asLong() == 2, T);
        assertTrue(daemon.find("gpu_release_failed", e -> true).isEmpty(), "b's memory failed a's release" + daemon.describe());
        assertTrue(daemon.find("runtime_launched", e -> e.path("server").asText().equals("b")
                && e.get("generation").asLong() > 1).isEmpty(), "b was relaunched" + daemon.describe());
        assertEquals(1, status("b").path("generation").asLong());
    }
}
