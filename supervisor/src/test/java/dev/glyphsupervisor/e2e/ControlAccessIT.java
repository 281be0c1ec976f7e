package dev.glyphsupervisor.e2e;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A user who is neither the daemon's owner nor in its group is refused, by the socket's mode (0660) and by a
 * closed directory, with exit 4 and a message that says so, not "no daemon"; the refused request changes
 * nothing. Real: the installed-style {@code bin/glyphctl} with the shaded jar (hence an *IT, run after
 * {@code package}) runs as uid/gid 65534 through {@code setpriv}, which needs root; without root the mode
 * bits that ControlTest asserts stand alone.
 */
class ControlAccessIT {

    private static final Duration T = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    private DaemonProcess daemon;

    @AfterEach
    void cleanUp() throws InterruptedException {
        if (daemon != null) {
            daemon.closeWithServers();
        }
    }

    @Test
    void aUserWithoutAccessIsRefusedWithExit4() throws Exception {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")) && Files.isExecutable(Path.of("/usr/bin/setpriv")),
                "needs root and setpriv to run glyphctl as a second user");
        int port = TestServer.freePort();
        ConfigFile config = new ConfigFile(dir, port, TestServer.command(port, 1, 0, dir.resolve("control")));
        daemon = DaemonProcess.start(config.write(), config.audit());
        daemon.awaitHealthy(1, T);
        Path socket = config.stateDir().resolve("control.sock");
        Await.until(T, "the control socket", () -> Files.exists(socket));
        for (Path p = config.stateDir(); p.startsWith(dir); p = p.getParent()) {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwx--x--x")); // searchable, not listable
        }

        Result refused = asNobody("status", "--socket", socket.toString());
        assertEquals(4, refused.exit(), refused.out() + refused.err());
        assertTrue(refused.err().contains("permission denied") && refused.err().contains("group"), refused.err());

        Files.setPosixFilePermissions(config.stateDir(), PosixFilePermissions.fromString("rwx------"));
        Result hidden = asNobody("restart", "--socket", socket.toString());
        assertEquals(4, hidden.exit(), hidden.out() + hidden.err());
        assertTrue(hidden.err().contains("permission denied"), hidden.err());
        assertFalse(hidden.err().contains("no daemon"), hidden.err());
        assertEquals(1, daemon.all("runtime_launched").size(), "the refused restart changed nothing: " + daemon.describe());
    }

    record Result(int exit, String out, String err) {
    }

    private static Result asNobody(String... args) throws Exception {
        Path launcher = Path.of(System.getProperty("basedir", "."), "..", "bin", "glyphctl").toAbsolutePath().normalize();
        List<String> command = new ArrayList<>(List.of("/usr/bin/setpriv", "--reuid=65534", "--regid=65534",
                "--clear-groups", launcher.toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        Process p = pb.start();
        p.getOutputStream().close();
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
        String out = read(p.getInputStream());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "glyphctl as nobody did not finish");
        return new Result(p.exitValue(), out, err.get());
    }

    private static String read(InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
