package dev.glyphsupervisor.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * A memory cgroup of its own with a small limit, for a daemon (and so its server) to run in, so that the kernel's OOM
 * killer can be met for real: cgroup v1's memory controller under this JVM's memory cgroup, or cgroup v2 under the
 * mount's root where the memory controller is enabled for its children. Needs root; absent where neither works.
 */
final class MemoryCgroup implements AutoCloseable {

    private final Path dir;

    private MemoryCgroup(Path dir) {
        this.dir = dir;
    }

    static Optional<MemoryCgroup> create(String name, long limitBytes) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/cgroup"))) {
                String[] parts = line.split(":", 3);
                if (parts.length == 3 && List.of(parts[1].split(",")).contains("memory")) {
                    Path parent = Path.of("/sys/fs/cgroup/memory" + parts[2]);
                    Path dir = Files.createDirectory(parent.resolve(name));
                    Files.writeString(dir.resolve("memory.limit_in_bytes"), Long.toString(limitBytes));
                    return Optional.of(new MemoryCgroup(dir));
                }
            }
            Path root = Path.of("/sys/fs/cgroup");
            Path controllers = root.resolve("cgroup.subtree_control");
            if (Files.isRegularFile(controllers) && List.of(Files.readString(controllers).strip().split(" ")).contains("memory")) {
                Path dir = Files.createDirectory(root.resolve(name));
                Files.writeString(dir.resolve("memory.max"), Long.toString(limitBytes));
                Files.writeString(dir.resolve("memory.swap.max"), "0");
                return Optional.of(new MemoryCgroup(dir));
            }
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }

    /** A command prefix that moves itself into this cgroup, then execs its arguments. */
    List<String> wrapper() {
        return List.of("/bin/sh", "-c", "echo $$ > '" + dir.resolve("cgroup.procs") + "' && exec \"$@\"", "in-cgroup");
    }

    /** Removes the cgroup once its processes are gone (the kernel refuses while any is left). */
    @Override
    public void close() throws InterruptedException {
        for (int i = 0; i < 100; i++) {
            try {
                Files.delete(dir);
                return;
            } catch (IOException busy) {
                Thread.sleep(50); // its last processes are being reaped
            }
        }
    }
}
