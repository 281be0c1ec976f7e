package dev.glyphsupervisor.chaos;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;

/**
 * Makes the runtime's cache directory unusable, for real, and undoes it. The soak runs as root, and
 * root ignores permission bits, so chmod alone blocks nothing. The immutable attribute ({@code chattr
 * +i}) stops root too: no entry can be created in or removed from the directory (EPERM), which is what a
 * read-only or full cache disk looks like to the runtime (it cannot write its start-up probe file) and
 * to the daemon's cache clearing (it cannot delete). Where chattr is not permitted (no
 * CAP_LINUX_IMMUTABLE, a file system without the attribute): as an ordinary user, mode 0555; as root, the
 * directory is moved aside and a regular file put in its place.
 */
final class CacheBlock {

    enum Mechanism { CHATTR_IMMUTABLE, MODE_0555, REPLACED_BY_FILE }

    private final Path dir;
    private final Mechanism mechanism;

    CacheBlock(Path dir, Mechanism mechanism) {
        this.dir = dir;
        this.mechanism = mechanism;
    }

    /** The first mechanism that really stops a write here, tried on a scratch directory beside {@code dir}. */
    static Mechanism choose(Path scratch) throws IOException, InterruptedException {
        Path probe = Files.createDirectories(scratch.resolve("chattr-probe"));
        try {
            if (exec("chattr", "+i", probe.toString()) == 0) {
                boolean blocked;
                try {
                    Files.createFile(probe.resolve("x"));
                    blocked = false;
                } catch (IOException expected) {
                    blocked = true;
                }
                exec("chattr", "-i", probe.toString());
                if (blocked) {
                    return Mechanism.CHATTR_IMMUTABLE;
                }
            }
            return "root".equals(System.getProperty("user.name")) ? Mechanism.REPLACED_BY_FILE : Mechanism.MODE_0555;
        } finally {
            Files.deleteIfExists(probe.resolve("x"));
            Files.deleteIfExists(probe);
        }
    }

    Mechanism mechanism() {
        return mechanism;
    }

    Path dir() {
        return dir;
    }

    void apply() throws IOException, InterruptedException {
        Files.createDirectories(dir);
        switch (mechanism) {
            case CHATTR_IMMUTABLE -> check(exec("chattr", "+i", dir.toString()), "chattr +i");
            case MODE_0555 -> Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("r-xr-xr-x"));
            case REPLACED_BY_FILE -> {
                Files.move(dir, aside());
                Files.writeString(dir, "not a directory: the chaos soak's cache fault\n");
            }
        }
    }

    void clear() throws IOException, InterruptedException {
        switch (mechanism) {
            case CHATTR_IMMUTABLE -> check(exec("chattr", "-i", dir.toString()), "chattr -i");
            case MODE_0555 -> Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
            case REPLACED_BY_FILE -> {
                if (Files.isRegularFile(dir)) {
                    Files.delete(dir);
                    Files.move(aside(), dir);
                }
            }
        }
    }

    private Path aside() {
        return dir.resolveSibling(dir.getFileName() + ".aside");
    }

    private static void check(int exit, String what) throws IOException {
        if (exit != 0) {
            throw new IOException(what + " exited " + exit);
        }
    }

    private static int exec(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return -1;
        }
        return p.exitValue();
    }
}
