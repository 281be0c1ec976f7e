package dev.glyphsupervisor.runtime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The kernel's count of OOM kills in this process's memory cgroup: {@code oom_kill} of {@code memory.events} (cgroup
 * v2) or of {@code memory.oom_control} (cgroup v1, since Linux 4.13). The server runs in the daemon's cgroup (under
 * systemd, the service's), and the kernel counts a kill against the victim's cgroup whether the OOM was the
 * cgroup's limit or the whole host's, so a count that went up between a launch and its SIGKILL says the OOM killer
 * killed it. Chosen over {@code /dev/kmsg}, which needs CAP_SYSLOG where {@code dmesg_restrict} is set, cannot be
 * read without blocking from Java, and names pids the daemon may never have seen (a worker). The count is the
 * cgroup's: another process of it killed at the same moment reads the same.
 */
public final class OomKills {

    /** A count and the file it was read from. */
    public record Count(long kills, Path source) {
    }

    private OomKills() {
    }

    /** This process's count, or empty where no cgroup memory controller can be read (no cgroups, not Linux). */
    public static Optional<Count> read() {
        return read(Path.of("/proc/self/cgroup"), Path.of("/sys/fs/cgroup"));
    }

    static Optional<Count> read(Path procCgroup, Path root) {
        List<String> lines;
        try {
            lines = Files.readAllLines(procCgroup);
        } catch (IOException e) {
            return Optional.empty();
        }
        String v2 = null;
        for (String line : lines) {
            String[] parts = line.split(":", 3);
            if (parts.length != 3) {
                continue;
            }
            if (List.of(parts[1].split(",")).contains("memory")) {
                Optional<Count> v1 = count(under(root.resolve("memory"), parts[2]).resolve("memory.oom_control"));
                if (v1.isPresent()) {
                    return v1;
                }
            } else if (parts[0].equals("0") && parts[1].isEmpty()) {
                v2 = parts[2];
            }
        }
        return v2 == null ? Optional.empty() : count(under(root, v2).resolve("memory.events"));
    }

    /**
     * In words, when the count went up from {@code before} (at the launch) to {@code after}; null when it did not, or
     * either is unknown.
     */
    public static String evidence(Optional<Count> before, Optional<Count> after) {
        if (before.isEmpty() || after.isEmpty() || after.get().kills() <= before.get().kills()) {
            return null;
        }
        return "the kernel's OOM killer killed " + (after.get().kills() - before.get().kills())
                + " process(es) of the server's cgroup since the launch (oom_kill " + before.get().kills() + " -> "
                + after.get().kills() + " in " + after.get().source() + ")";
    }

    private static Path under(Path root, String cgroup) {
        String relative = cgroup.startsWith("/") ? cgroup.substring(1) : cgroup;
        return relative.isEmpty() ? root : root.resolve(relative);
    }

    private static Optional<Count> count(Path file) {
        try {
            for (String line : Files.readAllLines(file)) {
                if (line.startsWith("oom_kill ")) {
                    return Optional.of(new Count(Long.parseLong(line.substring("oom_kill ".length()).strip()), file));
                }
            }
        } catch (IOException | NumberFormatException e) {
            // not readable here
        }
        return Optional.empty();
    }
}
