package dev.glyphsupervisor.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import dev.glyphsupervisor.runtime.ProcInfo;
import dev.glyphsupervisor.runtime.ProcessTable;
import dev.glyphsupervisor.runtime.Signals;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Launch scripts that start the server in the background and exit (issue 12.2), and a worker that leaves the
 * session and ignores SIGTERM (issue 13.3): the real daemon through bin/glyphctl and the shaded jar (hence an *IT,
 * run after package), real scripts, real processes, and {@code glyphctl stop}/{@code start} through bin/glyphctl
 * too. Every wait is a condition with a deadline. "No orphan" is checked independently of the daemon: no live
 * process may carry the state directory's marker in its environment.
 */
class ForkingLaunchIT {

    private static final Duration T = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    private final List<DaemonProcess> daemons = new ArrayList<>();
    private final int port = TestServer.freePort();
    private ConfigFile config;

    @AfterEach
    void cleanUp() throws InterruptedException {
        for (DaemonProcess d : daemons) {
            d.close();
        }
        if (config != null) {
            for (long pid : MarkedProcesses.carrying(config.stateDir())) {
                Signals.kill(pid, Signals.SIGKILL);
            }
        }
    }

    /**
     * (a) {@code nohup python3 server &} and exit 0, as {@code 界面推理.sh} does: one launch, the tree is
     * supervised (runtime_forked names the survivors and the main process), liveness probes pass against it and
     * nothing is relaunched; the main process's death is noticed by its exit, not by the probes; stop and the
     * daemon's SIGTERM end the whole tree.
     */
    @Test
    void aScriptThatStartsTheServerInTheBackgroundAndExitsIsSupervisedAsItsTree() throws Exception {
        DaemonProcess d = start(script("nohup " + server(1) + " > " + dir.resolve("server.out") + " 2>&1 &"));

        JsonNode launched = d.await("runtime_launched", T);
        JsonNode forked = d.await("runtime_forked", T);
        long main = forked.get("pid").asLong();
        assertEquals(launched.get("pid").asLong(), forked.get("exited_pid").asLong(), forked.toString());
        assertTrue(pids(forked.get("survivors")).contains(main), forked.toString());
        assertTrue(commandLine(main).contains("forking_server.py"), "the server is the main process: " + commandLine(main));
        JsonNode healthy = d.awaitHealthy(1, T);
        assertEquals(main, healthy.get("pid").asLong(), "the supervisor follows the main process");
        assertEquals(0, glyphctl("status", "--json"), "running and healthy");
        JsonNode status = dev.glyphsupervisor.json.Json.read(Files.readString(dir.resolve("glyphctl-status.out")));
        assertEquals(main, status.get("pid").asLong(), status.toString());
        assertEquals(ProcessTable.get(main).orElseThrow().pgid(), status.get("pgid").asLong(), status.toString());

        // Supervised, not relaunched: three liveness probes (1 s apart) answered by the same tree.
        long before = healthRequests();
        Await.until(T, "three more health requests answered by generation 1", () -> healthRequests() >= before + 3,
                d::describe);
        assertEquals(1, d.all("runtime_launched").size(), "one launch, no relaunch loop: " + d.describe());
        assertTrue(d.all("restart_decided").isEmpty(), d.describe());

        // The backgrounded server dies: its worker is left, so it is not the last process of the tree, but the main
        // process died of a signal, which is the server's death (as the launched command's death is).
        List<Long> generation1 = serverPids();
        long worker = generation1.get(1);
        Files.delete(dir.resolve("server.pids")); // the next generation writes its own
        Instant killed = Instant.now();
        Signals.kill(main, Signals.SIGKILL);
        JsonNode exited = d.await("runtime_exited", T);
        assertEquals(137, exited.get("exit_code").asInt(), "reaped by the daemon, its subreaper: " + exited);
        assertEquals("SIGKILL", exited.get("signal").asText());
        JsonNode decided = d.await("restart_decided", T);
        assertEquals("exited", decided.get("reason").asText(), "noticed by its exit, not by the probes: " + d.describe());
        long noticedMs = Duration.between(killed, Instant.parse(exited.get("ts").asText())).toMillis();
        System.out.println("forked server's death noticed " + noticedMs + " ms after the SIGKILL");
        // Liveness probes (1 s apart, threshold 3) would need >= 2 s, and would say "unhealthy", not "exited".
        assertTrue(noticedMs < 2000, "noticed " + noticedMs + " ms after the kill");
        JsonNode stopped = d.await("runtime_stopped", T);
        assertTrue(ended(stopped).contains(worker), "the orphaned worker was stopped: " + stopped);
        assertEquals(0, stopped.get("still_alive").size(), stopped.toString());
        d.await("runtime_forked", e -> e.get("generation").asLong() == 2, T);
        d.awaitHealthy(2, T);
        for (long pid : generation1) {
            assertFalse(alive(pid), "pid " + pid + " of generation 1 survived");
        }

        // glyphctl stop: the whole tree ends, nothing carries the marker.
        List<Long> generation2 = serverPids();
        assertEquals(0, glyphctl("stop"), "glyphctl stop");
        JsonNode paused = d.await("runtime_stopped", e -> e.get("generation").asLong() == 2, T);
        assertEquals(0, paused.get("still_alive").size(), paused.toString());
        Await.until(T, "no process of the server left", () -> MarkedProcesses.carrying(config.stateDir()).isEmpty(),
                () -> MarkedProcesses.carrying(config.stateDir()).toString());
        for (long pid : generation2) {
            assertFalse(alive(pid), "pid " + pid + " of generation 2 survived glyphctl stop");
        }

        // glyphctl start, then SIGTERM to the daemon: the same.
        assertEquals(0, glyphctl("start"), "glyphctl start");
        d.awaitHealthy(3, T);
        d.sigterm();
        assertEquals(143, d.awaitExit(T), d.describe());
        assertEquals(List.of(), MarkedProcesses.carrying(config.stateDir()), "no process of the server left");
    }

    /**
     * (b) A double fork into a new session, {@code (setsid nohup python3 server &)}: the server is neither in the
     * launch's session nor in its group nor a descendant of anything the daemon launched once the script is gone.
     * It is still found (the marker, and the daemon as its subreaper), its death noticed, and it is never left
     * behind: not by a stop, not by a daemon SIGKILL followed by a new daemon.
     */
    @Test
    void aServerThatLeavesTheSessionIsFollowedStoppedAndNeverOrphaned() throws Exception {
        DaemonProcess d = start(script("( setsid nohup " + server(0) + " > " + dir.resolve("server.out") + " 2>&1 & )"));

        JsonNode launched = d.await("runtime_launched", T);
        long main = d.await("runtime_forked", T).get("pid").asLong();
        ProcInfo info = ProcessTable.get(main).orElseThrow();
        assertEquals(main, info.sid(), "the server leads a session of its own: " + info);
        assertNotEquals(launched.get("pid").asLong(), info.sid());
        assertEquals(d.pid(), info.ppid(), "re-parented to the daemon (its child subreaper), not to init: " + info);
        d.awaitHealthy(1, T);

        // The last (only) process of the tree dies: noticed at once through its pidfd.
        Instant killed = Instant.now();
        Signals.kill(main, Signals.SIGKILL);
        JsonNode exited = d.await("runtime_exited", T);
        System.out.println("setsid'd server's death noticed "
                + Duration.between(killed, Instant.parse(exited.get("ts").asText())).toMillis() + " ms after the SIGKILL");
        assertEquals(137, exited.get("exit_code").asInt(), exited.toString());
        assertEquals("exited", d.await("restart_decided", T).get("reason").asText(), d.describe());
        long main2 = d.await("runtime_forked", e -> e.get("generation").asLong() == 2, T).get("pid").asLong();
        d.awaitHealthy(2, T);

        // The daemon is SIGKILLed; the server outlives it (as every server does, to be adopted or stopped by the next
        // daemon). The next daemon must leave exactly one server tree, its own, never the old one as an orphan.
        Signals.kill(d.pid(), Signals.SIGKILL);
        assertTrue(d.process().waitFor(30, TimeUnit.SECONDS));
        assertTrue(alive(main2), "the server outlived the daemon's SIGKILL");
        DaemonProcess second = DaemonProcess.restartWithLauncher(config.write(), config.audit());
        daemons.add(second);
        long main3 = second.await("runtime_forked", T).get("pid").asLong();
        second.await("runtime_healthy", T);
        assertFalse(alive(main2), "the old server was stopped, never left: " + second.describe());
        for (JsonNode stopped : second.all("orphan_stopped")) {
            assertEquals(0, stopped.get("still_alive").size(), stopped.toString());
        }
        assertEquals(List.of(main3), MarkedProcesses.carrying(config.stateDir()), "one server, the new daemon's");

        assertEquals(0, glyphctl("stop"), "glyphctl stop");
        Await.until(T, "no process of the server left", () -> MarkedProcesses.carrying(config.stateDir()).isEmpty(),
                () -> MarkedProcesses.carrying(config.stateDir()).toString());
        second.sigterm();
        assertEquals(143, second.awaitExit(T), second.describe());
        assertEquals(List.of(), MarkedProcesses.carrying(config.stateDir()));
    }

    /**
     * (c) Issue 13.3: a worker that calls setsid() and ignores SIGTERM. The stop's SIGTERM ends its parent, the
     * worker leaves the tree as it is re-parented; it must still be SIGKILLed after the grace, confirmed gone and
     * named by runtime_stopped. Both by glyphctl stop and by SIGTERM to the daemon.
     */
    @Test
    void aWorkerThatLeavesTheSessionAndIgnoresSigtermIsKilledAfterTheGrace() throws Exception {
        config = new ConfigFile(dir, port, "[\"python3\", \"" + TestServer.SCRIPT + "\", \"--port\", \"" + port
                + "\", \"--workers\", \"1\", \"--worker-setsid\", \"--worker-ignore-term\", \"--pidfile\", \""
                + dir.resolve("server.pids") + "\"]");
        DaemonProcess d = start(config);
        d.awaitHealthy(1, T);
        long worker = serverPids().get(1);
        assertEquals(worker, ProcessTable.get(worker).orElseThrow().sid(), "the worker left the session");

        assertEquals(0, glyphctl("stop"), "glyphctl stop");
        JsonNode stopped = d.await("runtime_stopped", T);
        assertEquals("SIGKILL", stopped.get("signal").asText(), stopped.toString());
        assertTrue(pids(stopped.get("survivors_killed")).contains(worker), "runtime_stopped names the worker: " + stopped);
        assertEquals(0, stopped.get("still_alive").size(), stopped.toString());
        assertFalse(alive(worker), "the worker is gone when runtime_stopped says so");

        Files.delete(dir.resolve("server.pids"));
        assertEquals(0, glyphctl("start"), "glyphctl start");
        d.awaitHealthy(2, T);
        long worker2 = serverPids().get(1);
        d.sigterm();
        assertEquals(143, d.awaitExit(T), d.describe());
        JsonNode last = d.await("runtime_stopped", e -> e.get("generation").asLong() == 2, T);
        assertTrue(pids(last.get("survivors_killed")).contains(worker2), last.toString());
        assertFalse(alive(worker2), "the worker did not outlive the daemon");
        assertEquals(List.of(), MarkedProcesses.carrying(config.stateDir()));
    }

    /** (d) A launch command that exits 0 and leaves nothing running is still an exit: relaunched, not followed. */
    @Test
    void aCommandThatExitsWithNoSurvivorIsStillAnExit() throws Exception {
        config = new ConfigFile(dir, port, "[\"sh\", \"-c\", \"echo done; exit 0\"]").set("max_restarts", "2");
        DaemonProcess d = start(config);

        JsonNode exited = d.await("runtime_exited", T);
        assertEquals(0, exited.get("exit_code").asInt());
        assertEquals("exited", d.await("restart_decided", T).get("reason").asText());
        d.await("runtime_launched", e -> e.get("generation").asLong() == 2, T);
        assertTrue(d.all("runtime_forked").isEmpty(), d.describe());
    }

    // --- helpers ----------------------------------------------------------------------------------

    private DaemonProcess start(ConfigFile c) throws IOException {
        config = c;
        DaemonProcess d = DaemonProcess.startWithLauncher(c.write(), c.audit());
        daemons.add(d);
        return d;
    }

    /** The forking test server's command line for a shell script, on a fresh port. */
    private String server(int workers) {
        return "python3 '" + TestServer.SCRIPT + "' --port " + port + " --workers " + workers
                + " --pidfile '" + dir.resolve("server.pids") + "'";
    }

    /** A launch script that runs {@code start} and exits 0, configured as the command (an argv of one path). */
    private ConfigFile script(String start) throws IOException {
        Path script = dir.resolve("launch.sh");
        Files.writeString(script, "#!/bin/sh\n" + start + "\necho \"server started in the background\"\nexit 0\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        return new ConfigFile(dir, port, "[\"" + script + "\"]")
                .set("schedule", "1s").set("failure_threshold", "3");
    }

    /** The current generation's server pids as it wrote them: the main process first, then its workers. */
    private List<Long> serverPids() {
        Path file = dir.resolve("server.pids");
        Await.until(T, "the server's pid file", () -> read(file).endsWith("\n"), () -> read(file));
        return Arrays.stream(read(file).strip().split(" ")).map(Long::parseLong).toList();
    }

    /** Health requests the server answered so far (it logs each one to its output). */
    private long healthRequests() {
        return read(dir.resolve("server.out")).lines().filter(l -> l.contains("GET /health")).count();
    }

    private int glyphctl(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(DaemonProcess.LAUNCHER.toString()));
        command.addAll(List.of(args));
        command.addAll(List.of("--config", dir.resolve("supervisor.yaml").toString()));
        Process p = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve("glyphctl-" + args[0] + ".out").toFile()).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "glyphctl " + String.join(" ", args) + " did not finish");
        return p.exitValue();
    }

    private static boolean alive(long pid) {
        return ProcessTable.get(pid).filter(p -> !p.isZombie()).isPresent();
    }

    private static String commandLine(long pid) {
        return ProcessTable.commandLine(pid).orElse("");
    }

    private static List<Long> pids(JsonNode array) {
        List<Long> pids = new ArrayList<>();
        array.forEach(n -> pids.add(n.asLong()));
        return pids;
    }

    private static List<Long> ended(JsonNode stopped) {
        List<Long> pids = new ArrayList<>(pids(stopped.get("termed")));
        pids.addAll(pids(stopped.get("survivors_killed")));
        return pids;
    }

    private static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
