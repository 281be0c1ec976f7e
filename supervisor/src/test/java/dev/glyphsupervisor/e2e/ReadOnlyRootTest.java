package dev.glyphsupervisor.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The preflight under a read-only root with writable bind mounts below it, as systemd's {@code ProtectSystem=strict}
 * with {@code StateDirectory=} and {@code LogsDirectory=} makes it: the shipped unit never started because the
 * state and log directories (bind mounts of the root's own device) were judged read-only. Here the same mounts
 * are made in a private mount namespace ({@code unshare -m}, root only), and the real {@code bin/glyphctl check}
 * runs in it.
 */
class ReadOnlyRootTest {

    /** Makes / read-only and each argument a writable bind mount of itself, then runs the rest; private to this namespace. */
    private static final String STRICT = "mount -o remount,bind,ro / && for d in $WRITABLE; do "
            + "mount --bind \"$d\" \"$d\" && mount -o remount,bind,rw \"$d\" || exit 99; done && exec \"$@\"";

    @TempDir
    Path dir;
    private Path io;

    @BeforeEach
    void needsRootAndUnshare() throws IOException {
        assumeTrue("root".equals(System.getProperty("user.name")), "mount namespaces need root");
        assumeTrue(Executables.find("unshare").isPresent(), "no unshare (util-linux) here");
        // Everything the test does, on a directory of its own: some containers allow a namespace but not these mounts.
        assumeTrue(Executables.run(List.of("unshare", "-m", "--propagation", "private", "env", "WRITABLE=" + dir, "sh", "-c",
                STRICT, "sh", "true"), java.util.Map.of()).exit() == 0, "no read-only remount or bind mounts here (an unprivileged container)");
        io = Files.createDirectories(dir.resolve("io"));
        Path work = Files.createDirectories(dir.resolve("work"));
        Files.setPosixFilePermissions(Files.writeString(work.resolve("serve.sh"), "#!/bin/sh\nexec sleep 600\n"),
                PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.createDirectories(dir.resolve("state"));
        Files.createDirectories(dir.resolve("log"));
    }

    private Path config(String stateDir) throws IOException {
        return Files.writeString(dir.resolve("glyph.yaml"), "runtime:\n"
                + "  command: [./serve.sh]\n"
                + "  workdir: work\n"
                + "  log: log/runtime.log\n"
                + "state_dir: " + stateDir + "\n"
                + "audit: {path: log/audit.jsonl}\n");
    }

    /** {@code glyphctl check} with / read-only and state/ and log/ writable bind mounts. */
    private GlyphctlLauncher.Result checkUnderStrictRoot(Path config) {
        String writable = dir.resolve("state") + " " + dir.resolve("log");
        return GlyphctlLauncher.run(io, Duration.ofSeconds(60),
                List.of("unshare", "-m", "--propagation", "private", "env", "WRITABLE=" + writable, "sh", "-c", STRICT, "sh"),
                List.of("check", "--config", config.toString()));
    }

    @Test
    void writableBindMountsUnderAReadOnlyRootPass() throws IOException {
        GlyphctlLauncher.Result r = checkUnderStrictRoot(config("state"));

        assertEquals("", r.err());
        assertEquals(0, r.exit(), r.out());
    }

    @Test
    void aDirectoryOnTheReadOnlyRootItselfIsStillRefused() throws IOException {
        Path config = config("elsewhere/state");

        GlyphctlLauncher.Result r = checkUnderStrictRoot(config);

        assertEquals(config + ":5:12: state_dir: " + dir.resolve("elsewhere/state") + " cannot be created: " + dir
                + " is on a read-only file system (mounted at /)\n", r.err());
        assertEquals(2, r.exit());
    }
}
