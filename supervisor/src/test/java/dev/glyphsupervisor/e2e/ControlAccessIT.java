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

    /** The installed layout on a copy of /etc, bound over /etc in this namespace only; then setpriv and the rest. */
    private static final String WITH_INSTALLED_ETC = "set -e; cp -a /etc \"$T/etc\"; "
            + "echo 'glyph:x:4242:' >> \"$T/etc/group\"; mkdir \"$T/etc/glyph-supervisor\"; "
            + "echo 'runtime: {command: [sleep, \"600\"]}' > \"$T/etc/glyph-supervisor/supervisor.yaml\"; "
            + "chown -R root:4242 \"$T/etc/glyph-supervisor\"; chmod 0750 \"$T/etc/glyph-supervisor\"; "
            + "chmod 0640 \"$T/etc/glyph-supervisor/supervisor.yaml\"; mount --bind \"$T/etc\" /etc; exec \"$@\"";

    /**
     * An operator outside group glyph runs {@code glyphctl status} on an installed system, whose config directory
     * ({@code root:glyph 0750}) hides the config from them: they used to be told that the project's own config (not
     * installed) did not exist. The installed layout is made on a copy of /etc bound over /etc in a private mount
     * namespace, so the host's /etc is untouched.
     */
    @Test
    void anOutsiderIsToldTheSystemConfigIsThereAndHowToGetAccess() throws Exception {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")) && Files.isExecutable(Path.of("/usr/bin/setpriv"))
                        && Files.isExecutable(Path.of("/usr/bin/unshare")),
                "needs root, setpriv and unshare to run glyphctl as a second user on an installed-like /etc");
        Assumptions.assumeTrue(new ProcessBuilder("unshare", "-m", "--propagation", "private", "mount", "--bind", dir.toString(),
                        dir.toString()).start().waitFor() == 0,
                "no mount namespaces here (an unprivileged container)");

        Result r = run(List.of("unshare", "-m", "--propagation", "private", "env", "T=" + dir, "sh", "-c", WITH_INSTALLED_ETC, "sh"),
                "status");

        assertEquals("/etc/glyph-supervisor/supervisor.yaml: cannot read the config file: permission denied for user nobody "
                + "(/etc/glyph-supervisor is root:glyph rwxr-x---: run this as root or as a member of group glyph (an "
                + "administrator adds you with: sudo usermod -aG glyph nobody; then log in again), or with sudo)\n", r.err());
        assertEquals(2, r.exit(), "a config that cannot be read is a usage error, as for every command: " + r.out());
    }

    record Result(int exit, String out, String err) {
    }

    private static Result asNobody(String... args) throws Exception {
        return run(List.of(), args);
    }

    /** {@code wrapper... setpriv (as uid/gid 65534) bin/glyphctl args...}. */
    private static Result run(List<String> wrapper, String... args) throws Exception {
        Path launcher = Path.of(System.getProperty("basedir", "."), "..", "bin", "glyphctl").toAbsolutePath().normalize();
        List<String> command = new ArrayList<>(wrapper);
        command.addAll(List.of("/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", launcher.toString()));
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
