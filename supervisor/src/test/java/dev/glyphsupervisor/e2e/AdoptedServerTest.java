package dev.glyphsupervisor.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import dev.glyphsupervisor.audit.AuditReader;
import dev.glyphsupervisor.cli.Glyphctl;
import dev.glyphsupervisor.runtime.ProcessTable;
import dev.glyphsupervisor.runtime.Signals;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A server adopted from a SIGKILLed daemon is not the new daemon's child: no exit callback. Its death
 * must still be noticed at once, not at the next probe. The hard case: the server's new parent is a
 * subreaper that does not reap it, so it dies into a zombie (ProcessHandle.onExit takes a zombie for
 * alive and never completes). The probes run once a minute here, so only the exit watch can notice
 * within the deadline.
 */
class AdoptedServerTest {

    private static final Duration T = Duration.ofSeconds(30);

    /** Becomes a child subreaper, starts the daemon, prints its pid, and reaps only the daemon. */
    private static final String SUBREAPER = "import ctypes, subprocess, sys, time\n"
            + "ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER\n"
            + "p = subprocess.Popen(sys.argv[1:])\n"
            + "print(p.pid, flush=True)\n"
            + "p.wait()\n"
            + "time.sleep(3600)\n";

    @TempDir
    Path dir;

    private Process subreaper;
    private DaemonProcess second;

    @AfterEach
    void cleanUp() throws InterruptedException {
        if (second != null) {
            second.closeWithServers();
        }
        if (subreaper != null) {
            subreaper.descendants().forEach(ProcessHandle::destroyForcibly);
            subreaper.destroyForcibly().waitFor();
        }
    }

    @Test
    void theDeathOfAnAdoptedServerLeftAZombieIsNoticedAtOnce() throws Exception {
        int port = TestServer.freePort();
        ConfigFile config = new ConfigFile(dir, port, TestServer.command(port, 0, 0, dir.resolve("control")))
                .set("schedule", "0 * * * * ?");
        Path file = config.write();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        subreaper = new ProcessBuilder("python3", "-c", SUBREAPER, java, "-Xmx64m", "-XX:+UseSerialGC", "-cp",
                System.getProperty("java.class.path"), Glyphctl.class.getName(), "daemon", "--config", file.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("first.out").toFile()).start();
        Await.until(T, "the first daemon's pid", () -> firstLine(dir.resolve("first.out")).isPresent());
        long firstDaemon = Long.parseLong(firstLine(dir.resolve("first.out")).get());
        long server = await(config, "runtime_healthy", e -> true).get("pid").asLong();

        Signals.kill(firstDaemon, Signals.SIGKILL); // the server is now the subreaper's
        Await.until(T, "the first daemon gone", () -> ProcessTable.get(firstDaemon).filter(p -> !p.isZombie()).isEmpty());
        second = DaemonProcess.startAppending(file, config.audit(), dir.resolve("second.out"));
        JsonNode adopted = await(config, "runtime_adopted", e -> true);
        assertEquals(server, adopted.get("pid").asLong());

        Signals.kill(server, Signals.SIGKILL);
        Await.until(T, "the server a zombie", () -> ProcessTable.get(server).map(p -> p.isZombie()).orElse(false));

        JsonNode exited = await(config, "runtime_exited", e -> e.get("generation").asLong() == 1);
        assertEquals(-1, exited.get("exit_code").asInt(), "not our child: its status is unknown");
        JsonNode decided = await(config, "restart_decided", e -> e.get("seq").asLong() > adopted.get("seq").asLong());
        assertEquals("exited", decided.get("reason").asText(), "noticed by the exit watch, not by a probe");
        await(config, "runtime_healthy", e -> e.get("generation").asLong() == 2);
        assertTrue(ProcessTable.get(server).map(p -> p.isZombie()).orElse(true), "the old server stays a zombie: nobody reaps it");
    }

    private static JsonNode await(ConfigFile config, String event, Predicate<JsonNode> filter) {
        Await.until(T, "audit event " + event, () -> find(config, event, filter).isPresent(), () -> read(config).toString());
        return find(config, event, filter).orElseThrow();
    }

    private static Optional<JsonNode> find(ConfigFile config, String event, Predicate<JsonNode> filter) {
        return read(config).stream().filter(e -> e.get("event").asText().equals(event)).filter(filter).findFirst();
    }

    private static List<JsonNode> read(ConfigFile config) {
        try {
            return Files.exists(config.audit()) ? AuditReader.readAll(config.audit()) : List.of();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static Optional<String> firstLine(Path file) {
        try {
            List<String> lines = Files.readAllLines(file);
            return lines.isEmpty() || lines.get(0).isBlank() ? Optional.empty() : Optional.of(lines.get(0).trim());
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
