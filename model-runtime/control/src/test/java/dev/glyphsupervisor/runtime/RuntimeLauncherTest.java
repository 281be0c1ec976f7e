package dev.glyphsupervisor.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class RuntimeLauncherTest {

    @RegisterExtension
    final Spawner spawner = new Spawner();

    @Test
    void theServerLeadsItsOwnSessionAndGroup() throws Exception {
        Instant before = Instant.now();
        Spawner.Run run = spawner.launch("sleep", "100");
        LaunchedProcess p = run.process();
        ProcInfo info = ProcessTable.get(p.pid()).orElseThrow();
        assertEquals(p.pid(), p.pgid());
        assertEquals(p.pid(), info.pgid());
        assertEquals(p.pid(), info.sid());
        assertEquals(info.startTicks(), p.startTicks());
        assertEquals(List.of("sleep", "100"), p.command());
        assertFalse(p.launchedAt().isBefore(before));
        // The wrappers exec'd in place: the pid is the server itself, a child of this JVM.
        Spawner.await("the wrappers to exec sleep", () -> ProcessTable.get(p.pid()).map(ProcInfo::comm),
                comm -> comm.equals(java.util.Optional.of("sleep")));
        assertEquals(ProcessHandle.current().pid(), info.ppid());
    }

    @Test
    void outputGoesToTheLogFileNotThroughTheJvm() throws Exception {
        Path log = spawner.dir().resolve("logs/deeper/runtime.log");
        Spawner.Run run = spawner.launch(new LaunchSpec(
                List.of("sh", "-c", "echo to-stdout; echo to-stderr >&2; exec sleep 100"), null, Map.of(), log, 0, null));
        Spawner.await("both lines in the log", () -> read(log),
                text -> text.contains("to-stdout\n") && text.contains("to-stderr\n"));
        Path fds = Path.of("/proc", Long.toString(run.process().pid()), "fd");
        assertEquals(log.toRealPath(), Files.readSymbolicLink(fds.resolve("1")));
        assertEquals(log.toRealPath(), Files.readSymbolicLink(fds.resolve("2")));
        assertEquals(Path.of("/dev/null"), Files.readSymbolicLink(fds.resolve("0")));
    }

    @Test
    void theLogIsAppendedAcrossLaunches() throws Exception {
        Path log = spawner.dir().resolve("runtime.log");
        Files.writeString(log, "earlier\n");
        for (String word : List.of("first", "second")) {
            Spawner.Run run = spawner.launch(new LaunchSpec(List.of("echo", word), null, Map.of(), log, 0, null));
            assertEquals(0, run.exit().get(10, TimeUnit.SECONDS));
        }
        assertEquals("earlier\nfirst\nsecond\n", read(log));
    }

    @Test
    void aLogOverItsBoundIsRotatedAtLaunch() throws Exception {
        Path log = spawner.dir().resolve("runtime.log");
        Files.writeString(log, "x".repeat(100));
        Spawner.Run run = spawner.launch(new LaunchSpec(List.of("echo", "fresh"), null, Map.of(), log, 10, null));
        assertEquals(0, run.exit().get(10, TimeUnit.SECONDS));
        assertEquals("fresh\n", read(log));
        assertEquals("x".repeat(100), read(spawner.dir().resolve("runtime.log.1")));
    }

    @Test
    void argvReachesTheServerVerbatim() throws Exception {
        List<String> args = List.of("a b", "$HOME", "'quoted'", "\"dq\"", "${x}", "*", "; exit 9", "");
        List<String> command = new java.util.ArrayList<>(List.of("sh", "-c", "printf '<%s>\\n' \"$@\"", "argv0"));
        command.addAll(args);
        Spawner.Run run = spawner.launch(
                new LaunchSpec(command, null, Map.of(), spawner.dir().resolve("argv.log"), 0, null));
        assertEquals(0, run.exit().get(10, TimeUnit.SECONDS));
        assertEquals("<a b>\n<$HOME>\n<'quoted'>\n<\"dq\">\n<${x}>\n<*>\n<; exit 9>\n<>\n", read(run.log()));
    }

    @Test
    void environmentOverridesAndWorkingDirectoryApply() throws Exception {
        Path workdir = Files.createDirectory(spawner.dir().resolve("work dir"));
        Spawner.Run run = spawner.launch(new LaunchSpec(
                List.of("sh", "-c", "echo \"var=$GLYPH_TEST_VAR\"; echo \"path=${PATH:+set}\"; pwd -P"),
                workdir, Map.of("GLYPH_TEST_VAR", "hello world"), spawner.dir().resolve("env.log"), 0, null));
        assertEquals(0, run.exit().get(10, TimeUnit.SECONDS));
        assertEquals("var=hello world\npath=set\n" + workdir.toRealPath() + "\n", read(run.log()));
    }

    /** bin/glyphctl's UTF-8 LC_ALL is the JVM's only: the server gets the caller's LC_ALL back, or none. */
    @Test
    void theServerGetsTheCallersLocaleNotTheOneTheLauncherGaveTheJvm() {
        Map<String, String> daemon = Map.of("LANG", "C", "LC_ALL", "C.UTF-8", "GLYPH_CALLER_LOCALE", "LC_ALL",
                "NOTIFY_SOCKET", "/run/systemd/notify", "PATH", "/usr/bin");
        assertEquals(Map.of("LANG", "C", "PATH", "/usr/bin"), RuntimeLauncher.serverEnvironment(daemon, Map.of()));

        Map<String, String> wasC = Map.of("LC_ALL", "C.UTF-8", "GLYPH_CALLER_LOCALE", "LC_ALL=C");
        assertEquals(Map.of("LC_ALL", "C"), RuntimeLauncher.serverEnvironment(wasC, Map.of()));
        Map<String, String> wasEmpty = Map.of("LC_ALL", "C.UTF-8", "GLYPH_CALLER_LOCALE", "LC_ALL=");
        assertEquals(Map.of("LC_ALL", ""), RuntimeLauncher.serverEnvironment(wasEmpty, Map.of()));

        assertEquals(Map.of("LC_ALL", "C.UTF-8"), RuntimeLauncher.serverEnvironment(wasC, Map.of("LC_ALL", "C.UTF-8")),
                "runtime.env is what the user configured: it wins");
        assertEquals(Map.of("LANG", "de_DE.UTF-8"), RuntimeLauncher.serverEnvironment(Map.of("LANG", "de_DE.UTF-8"), Map.of()),
                "a caller already in a UTF-8 locale: nothing was changed, nothing to put back");
        assertEquals(Map.of("PATH", "/usr/bin"), RuntimeLauncher.serverEnvironment(
                Map.of("PATH", "/usr/bin", "GLYPH_CALLER_LOCALE", "PATH=/tmp"), Map.of()), "only a locale variable is put back");
    }

    @Test
    void theExitCallbackCarriesTheExitStatus() throws Exception {
        assertEquals(3, spawner.launch("sh", "-c", "exit 3").exit().get(10, TimeUnit.SECONDS));
    }

    @Test
    void aKilledServerReports128PlusTheSignal() throws Exception {
        Spawner.Run run = spawner.launch("sleep", "100");
        assertTrue(Signals.kill(run.process().pid(), Signals.SIGKILL));
        assertEquals(137, run.exit().get(10, TimeUnit.SECONDS));
    }

    /** The shell reports a command it cannot find as 127; that is the caller's "command missing" signal. */
    @Test
    void aMissingCommandExitsWith127() throws Exception {
        Spawner.Run run = spawner.launch("/nonexistent/glyph-server", "--port", "1");
        assertEquals(127, run.exit().get(10, TimeUnit.SECONDS));
        assertTrue(read(run.log()).contains("/nonexistent/glyph-server"), read(run.log()));
    }

    @Test
    void theCallbackFiresWhileOrphanedGrandchildrenStillRun() throws Exception {
        Spawner.Run run = spawner.launch("sh", "-c", "sleep 100 & sleep 100 & exit 5");
        assertEquals(5, run.exit().get(10, TimeUnit.SECONDS));
        // The orphans live on; a forked child shows as "sh" until it has exec'd sleep, so wait for that.
        List<ProcInfo> orphans = Spawner.await("two orphaned sleeps", () -> ProcessTree.members(run.process()),
                m -> m.size() == 2 && m.stream().allMatch(p -> p.comm().equals("sleep")));
        assertTrue(orphans.stream().allMatch(p -> p.sid() == run.process().pid()), orphans.toString());
    }

    @Test
    void aMissingWorkingDirectoryIsALaunchException() {
        LaunchException e = assertThrows(LaunchException.class, () -> spawner.launch(new LaunchSpec(
                List.of("true"), spawner.dir().resolve("missing"), Map.of(), spawner.dir().resolve("x.log"), 0, null)));
        assertTrue(e.getMessage().contains("missing"), e.getMessage());
    }

    @Test
    void anUnwritableLogIsALaunchException() throws Exception {
        Path notADir = Files.writeString(spawner.dir().resolve("file"), "");
        assertThrows(LaunchException.class, () -> spawner.launch(new LaunchSpec(
                List.of("true"), null, Map.of(), notADir.resolve("runtime.log"), 0, null)));
    }

    @Test
    void anEmptyCommandIsRefused() {
        assertThrows(IllegalArgumentException.class,
                () -> new LaunchSpec(List.of(), null, Map.of(), spawner.dir().resolve("x.log"), 0, null));
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (java.io.IOException e) {
            return "<" + e + ">";
        }
    }
}
