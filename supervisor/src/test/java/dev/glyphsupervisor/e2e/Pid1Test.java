package dev.glyphsupervisor.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import dev.glyphsupervisor.runtime.ProcInfo;
import dev.glyphsupervisor.runtime.ProcessTable;
import dev.glyphsupervisor.runtime.Signals;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The daemon as a container's entrypoint (issue 17.1): PID 1 of a PID namespace of its own, made by util-linux
 * {@code unshare --pid --fork --mount-proc} (root only) around the real bin/glyphctl, as {@code docker run} makes it
 * without {@code --init}; and as the child of a minimal init that only forwards SIGTERM, as with {@code --init}
 * (tini). Processes are seen from this (the parent) namespace: the namespace is every descendant of the unshare
 * process, and a pid the daemon writes in its audit is mapped to ours through {@code NSpid} in /proc/PID/status.
 *
 * <p>These tests need root. They are skipped with a reason only when this is not root; the CI runs as root, so
 * there they always run (a missing unshare fails them: util-linux is part of every Debian).
 */
class Pid1Test {

    private static final Duration T = Duration.ofSeconds(30);
    /** {@code unshare} forks the namespace's PID 1 and waits for it; {@code --kill-child}: nothing outlives a failed test. */
    private static final List<String> NAMESPACE = List.of("unshare", "--pid", "--fork", "--mount-proc", "--kill-child");
    /**
     * The least an init does as PID 1, as {@code docker run --init} (tini) does: runs the daemon as its child,
     * forwards SIGTERM and SIGINT to it, and exits with its status.
     */
    private static final String MINI_INIT = "\"$@\" & c=$!; trap 'kill -TERM $c' TERM; trap 'kill -INT $c' INT;"
            + " while :; do wait $c; s=$?; kill -0 $c 2>/dev/null || exit $s; done";

    @TempDir
    Path dir;

    private final int port = TestServer.freePort();
    private final List<DaemonProcess> daemons = new ArrayList<>();
    private ConfigFile config;

    @BeforeEach
    void needsRoot() {
        org.junit.jupiter.api.Assumptions.assumeTrue("root".equals(System.getProperty("user.name")),
                "a PID namespace (unshare --pid) needs root; the CI runs as root, so this runs there");
        assertTrue(Executables.find("unshare").isPresent(), "unshare (util-linux) is missing: install util-linux");
    }

    @AfterEach
    void cleanUp() throws InterruptedException {
        for (DaemonProcess d : daemons) {
            // unshare ignores SIGTERM: the namespace's PID 1 gets it; --kill-child ends the rest if unshare is killed.
            children(d.pid()).forEach(init -> Signals.kill(init, Signals.SIGTERM));
            if (!d.process().waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
                d.process().destroyForcibly().waitFor();
            }
        }
        if (config != null) {
            for (long pid : MarkedProcesses.carrying(config.stateDir())) {
                Signals.kill(pid, Signals.SIGKILL);
            }
        }
    }

    /**
     * A launch script that leaves five background children and then execs the server: the children are re-parented
     * to the daemon (PID 1) and die while the server runs. Probes run every 30 s here, so only a reaper of its own
     * collects them: none may be a zombie a second after they died.
     */
    @Test
    void backgroundChildrenOfALaunchScriptAreReapedWithinASecondByPid1() throws Exception {
        DaemonProcess d = start(NAMESPACE, zombieScript());
        long init = namespaceInit(d);
        assertEquals("1", nsPid(init), "the daemon is PID 1 of its namespace");
        d.awaitHealthy(1, T);
        // A PID 1 gets no default dispositions: a signal it has no handler for is dropped. The JVM's are installed.
        long caught = Long.parseUnsignedLong(statusField(init, "SigCgt:"), 16);
        for (int signal : new int[] {1, 2, 15}) {
            assertTrue((caught & (1L << (signal - 1))) != 0, "PID 1 catches signal " + signal + ": SigCgt " + caught);
        }

        assertNoZombieLeft(d, init);
        stopAndExpect143(d, init);
    }

    /** The same with an init as PID 1 and the daemon its child, as under {@code docker run --init}: the subreaper reaps. */
    @Test
    void backgroundChildrenAreReapedByTheDaemonUnderAnInit() throws Exception {
        List<String> withInit = new ArrayList<>(NAMESPACE);
        withInit.addAll(List.of("sh", "-c", MINI_INIT, "init"));
        DaemonProcess d = start(withInit, zombieScript());
        long shell = namespaceInit(d);
        Await.until(T, "the daemon under the init", () -> !children(shell).isEmpty(), d::describe);
        long daemon = children(shell).get(0);
        assertEquals("1", nsPid(shell), "the init is PID 1");
        d.awaitHealthy(1, T);

        assertNoZombieLeft(d, daemon);
        // SIGTERM to the container's PID 1, the init, which forwards it: the daemon stops cleanly, the init passes on 143.
        stopAndExpect143(d, shell);
    }

    /** A server killed with SIGKILL inside the namespace is noticed by its exit at once and relaunched. */
    @Test
    void aKilledServerIsNoticedAtOnceAndRelaunched() throws Exception {
        config = new ConfigFile(dir, port, "[\"python3\", \"" + TestServer.SCRIPT + "\", \"--port\", \"" + port
                + "\", \"--workers\", \"1\"]").set("schedule", "30s");
        DaemonProcess d = start(NAMESPACE, config);
        long init = namespaceInit(d);
        JsonNode launched = d.await("runtime_launched", T);
        d.awaitHealthy(1, T);
        long server = hostPid(init, launched.get("pid").asLong());

        Instant killed = Instant.now();
        Signals.kill(server, Signals.SIGKILL);
        JsonNode exited = d.await("runtime_exited", T);
        assertEquals(137, exited.get("exit_code").asInt(), "Java's status for the server, not the reaper's: " + exited);
        assertEquals("SIGKILL", exited.get("signal").asText(), exited.toString());
        long noticedMs = Duration.between(killed, Instant.parse(exited.get("ts").asText())).toMillis();
        System.out.println("PID 1: server's death noticed " + noticedMs + " ms after the SIGKILL");
        assertTrue(noticedMs < 1000, "noticed " + noticedMs + " ms after the kill");
        assertEquals("exited", d.await("restart_decided", T).get("reason").asText(), d.describe());
        d.awaitHealthy(2, T);
        assertNoZombieLeft(d, init);
        stopAndExpect143(d, init);
    }

    /**
     * A server that exits with 3 while orphans of its launch script die around it: every generation's runtime_exited
     * says 3. The reaper collects the orphans, never the launched command, whose status is Java's.
     */
    @Test
    void aServersExitStatusStaysRightWhileTheReaperRuns() throws Exception {
        Path script = dir.resolve("exit3.sh");
        Files.writeString(script, "#!/bin/sh\nfor i in 1 2 3 4 5; do (sleep 0.1 &); done\nsleep 0.1\nexit 3\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        config = new ConfigFile(dir, port, "[\"" + script + "\"]").set("schedule", "30s").set("max_restarts", "20")
                .set("backoff_initial", "100ms").set("backoff_max", "100ms");
        DaemonProcess d = start(NAMESPACE, config);
        long init = namespaceInit(d);

        Await.until(T, "five exits", () -> d.all("runtime_exited").size() >= 5, d::describe);
        for (JsonNode exited : d.all("runtime_exited")) {
            assertEquals(3, exited.get("exit_code").asInt(), "the server's own status: " + d.describe());
        }
        // SIGINT (Ctrl-C of `docker run -it`): the same clean stop, and 130.
        stop(d, init, 2, 130);
    }

    /**
     * The failure this guards against: a JVM run with -Xrs installs no handlers, and the kernel drops SIGTERM for a
     * PID 1 without one (docker stop would wait its timeout, then SIGKILL everything). The daemon says so at start.
     */
    @Test
    void asPid1WithoutSignalHandlersTheDaemonWarns() throws Exception {
        config = new ConfigFile(dir, port, "[\"python3\", \"" + TestServer.SCRIPT + "\", \"--port\", \"" + port
                + "\", \"--workers\", \"0\"]").set("schedule", "30s");
        DaemonProcess d = DaemonProcess.startThroughScript(config.write(), config.audit(), NAMESPACE,
                env -> env.put("GLYPH_JAVA_OPTS", "-Xrs"));
        daemons.add(d);
        long init = namespaceInit(d);
        d.awaitHealthy(1, T);
        long caught = Long.parseUnsignedLong(statusField(init, "SigCgt:"), 16);
        assertEquals(0, caught & (1L << (Signals.SIGTERM - 1)), "-Xrs: no SIGTERM handler");
        assertTrue(d.output().contains("running as PID 1 without a SIGTERM handler"), d.output());

        Signals.kill(init, Signals.SIGTERM);
        Thread.sleep(500);
        assertTrue(d.process().isAlive(), "SIGTERM dropped by the kernel for a PID 1 without a handler");
        d.process().destroyForcibly().waitFor(); // unshare --kill-child: SIGKILL to PID 1 ends the namespace
    }

    /** A PID namespace without its own /proc: pids read there are not the namespace's, so the daemon refuses to start. */
    @Test
    void aPidNamespaceWithoutItsOwnProcIsRefused() throws Exception {
        config = new ConfigFile(dir, port, "[\"sleep\", \"600\"]").set("http", "null");
        DaemonProcess d = start(List.of("unshare", "--pid", "--fork", "--kill-child"), config);
        assertEquals(1, d.awaitExit(T), d.describe());
        assertTrue(d.output().contains("/proc belongs to another PID namespace"), d.output());
        assertTrue(d.all("runtime_launched").isEmpty(), d.describe());
    }

    // --- helpers ----------------------------------------------------------------------------------

    /** Five children that outlive the script's exec into the server by ~2 s, then exit: orphans, then zombies. */
    private ConfigFile zombieScript() throws IOException {
        Path script = dir.resolve("launch.sh");
        Files.writeString(script, "#!/bin/sh\nfor i in 1 2 3 4 5; do (sleep 2 &); done\n"
                + "exec python3 '" + TestServer.SCRIPT + "' --port " + port + " --workers 1\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        return new ConfigFile(dir, port, "[\"" + script + "\"]").set("schedule", "30s");
    }

    private DaemonProcess start(List<String> wrapper, ConfigFile c) {
        config = c;
        DaemonProcess d = DaemonProcess.startThroughScript(c.write(), c.audit(), wrapper, env -> { });
        daemons.add(d);
        return d;
    }

    /** Waits for the sleeps to die, then one second more: no zombie of {@code daemon}'s may be left. */
    private static void assertNoZombieLeft(DaemonProcess d, long daemon) throws InterruptedException {
        Await.until(T, "the launch script's children have exited", () -> namespace(d).stream()
                .noneMatch(p -> p.comm().equals("sleep") && !p.isZombie()), () -> namespace(d).toString());
        Thread.sleep(1000);
        List<ProcInfo> zombies = namespace(d).stream().filter(ProcInfo::isZombie).toList();
        System.out.println("zombies in the namespace 1 s after the children died: " + zombies.size() + " " + zombies);
        assertEquals(List.of(), zombies.stream().filter(z -> z.ppid() == daemon).toList(), "zombies of the daemon");
        assertEquals(List.of(), zombies, "zombies in the namespace");
    }

    /**
     * SIGTERM to the namespace's PID 1, as {@code docker stop} sends it: the server's tree is stopped by SIGTERM
     * (not killed), and the namespace ends with status 143, the JVM's after a SIGTERM (unshare passes it on).
     */
    private void stopAndExpect143(DaemonProcess d, long pid1) throws InterruptedException {
        stop(d, pid1, Signals.SIGTERM, 143);
    }

    private void stop(DaemonProcess d, long pid1, int signal, int status) throws InterruptedException {
        long generations = d.all("runtime_launched").size();
        Signals.kill(pid1, signal);
        assertEquals(status, d.awaitExit(T), d.describe());
        JsonNode stopped = d.await("supervisor_stopped", T);
        assertTrue(stopped.has("seq"), stopped.toString());
        List<JsonNode> runtimeStopped = d.all("runtime_stopped");
        if (generations > 0 && !d.all("runtime_healthy").isEmpty()) {
            JsonNode last = runtimeStopped.get(runtimeStopped.size() - 1);
            assertEquals("SIGTERM", last.get("signal").asText(), "stopped cleanly, not killed: " + last);
            assertEquals(0, last.get("still_alive").size(), last.toString());
        }
        assertEquals(List.of(), namespace(d), "no process of the namespace left");
        assertEquals(List.of(), MarkedProcesses.carrying(config.stateDir()), "no process of the server left");
    }

    /** The namespace's PID 1 as this namespace sees it: unshare's only child. */
    private static long namespaceInit(DaemonProcess d) {
        Await.until(T, "the namespace's PID 1", () -> !children(d.pid()).isEmpty(), d::describe);
        return children(d.pid()).get(0);
    }

    /** Every process under unshare (the namespace's processes, zombies included). */
    private static List<ProcInfo> namespace(DaemonProcess d) {
        List<ProcInfo> all = ProcessTable.snapshot();
        Map<Long, List<ProcInfo>> byParent = new HashMap<>();
        all.forEach(p -> byParent.computeIfAbsent(p.ppid(), k -> new ArrayList<>()).add(p));
        List<ProcInfo> found = new ArrayList<>();
        List<Long> todo = new ArrayList<>(List.of(d.pid()));
        while (!todo.isEmpty()) {
            for (ProcInfo child : byParent.getOrDefault(todo.remove(todo.size() - 1), List.of())) {
                found.add(child);
                todo.add(child.pid());
            }
        }
        return found;
    }

    private static List<Long> children(long pid) {
        return ProcessTable.snapshot().stream().filter(p -> p.ppid() == pid).map(ProcInfo::pid).toList();
    }

    /** The pid of {@code pid} inside its namespace (the last field of NSpid). */
    private static String nsPid(long pid) {
        String[] fields = statusField(pid, "NSpid:").split("\\s+");
        return fields[fields.length - 1];
    }

    /** A field of /proc/PID/status, "" when the process is gone or has no such field. */
    private static String statusField(long pid, String name) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid), "status"))) {
                if (line.startsWith(name)) {
                    return line.substring(name.length()).trim();
                }
            }
            return "";
        } catch (IOException e) {
            return "";
        }
    }

    /** Our pid for the process the namespace calls {@code nsPid}, among the descendants of {@code init}. */
    private static long hostPid(long init, long nsPid) {
        List<Long> todo = new ArrayList<>(List.of(init));
        while (!todo.isEmpty()) {
            long pid = todo.remove(todo.size() - 1);
            if (nsPid(pid).equals(String.valueOf(nsPid))) {
                return pid;
            }
            todo.addAll(children(pid));
        }
        return fail("no process " + nsPid + " in the namespace of " + init);
    }
}
