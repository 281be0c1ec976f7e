package dev.glyphsupervisor.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;

/**
 * Whether a directory or file could be written without creating anything now. A directory that does not
 * exist yet is fine when its nearest existing ancestor is a writable directory, since the daemon creates
 * the rest at start-up.
 *
 * <p>Root passes every permission check ({@code access(2)} with W_OK answers yes to root for /proc and
 * /sys too), so the kernel's own file systems, where no regular file can be created whatever the mode
 * bits say, are refused by their type, and a read-only mount by its flag.
 */
final class WritableLocations {

    /** File system types (as /proc/self/mounts names them) that hold kernel objects, not files we may create. */
    private static final Set<String> KERNEL_FILE_SYSTEMS = Set.of("proc", "sysfs", "cgroup", "cgroup2", "devpts",
            "debugfs", "tracefs", "securityfs", "pstore", "bpf", "configfs", "efivarfs", "fusectl", "mqueue");

    private WritableLocations() {
    }

    /**
     * Why nothing can be written under this existing directory although the permission bits may allow it: the
     * mount it is really on (see {@link MountInfo}: not the JDK's FileStore, which misjudges bind mounts) is
     * read-only or one of the kernel's own file systems.
     */
    private static Optional<String> fileSystemProblem(Path existing) {
        try {
            Optional<MountInfo> mount = MountInfo.of(existing);
            if (mount.isPresent() && KERNEL_FILE_SYSTEMS.contains(mount.get().type())) {
                return Optional.of(existing + " is on the kernel's " + mount.get().type() + " file system, where files cannot be created");
            }
            if (mount.isPresent() && mount.get().readOnly()) {
                return Optional.of(existing + " is on a read-only file system (mounted at " + mount.get().mountPoint() + ")");
            }
        } catch (IOException e) {
            // Cannot tell: the permission check below (and the daemon's own error, naming the path) still apply.
        }
        return Optional.empty();
    }

    static Optional<String> directoryProblem(Path directory) {
        if (Files.exists(directory)) {
            if (!Files.isDirectory(directory)) {
                return Optional.of(directory + " is a file, not a directory");
            }
            Optional<String> fileSystem = fileSystemProblem(directory);
            if (fileSystem.isPresent()) {
                return fileSystem;
            }
            return Files.isWritable(directory) ? Optional.empty() : Optional.of(directory + " is not writable");
        }
        Path ancestor = directory.getParent();
        while (ancestor != null && !Files.exists(ancestor)) {
            ancestor = ancestor.getParent();
        }
        if (ancestor == null) {
            return Optional.of(directory + " cannot be created: no part of it exists");
        }
        if (!Files.isDirectory(ancestor)) {
            return Optional.of(directory + " cannot be created: " + ancestor + " is a file, not a directory");
        }
        Optional<String> fileSystem = fileSystemProblem(ancestor);
        if (fileSystem.isPresent()) {
            return Optional.of(directory + " cannot be created: " + fileSystem.get());
        }
        if (!Files.isWritable(ancestor)) {
            return Optional.of(directory + " cannot be created: " + ancestor + " is not writable");
        }
        return Optional.empty();
    }

    static Optional<String> fileProblem(Path file) {
        if (Files.isDirectory(file)) {
            return Optional.of(file + " is a directory, not a file");
        }
        if (Files.exists(file) && !Files.isWritable(file)) {
            return Optional.of(file + " is not writable");
        }
        Path parent = file.getParent();
        return parent == null ? Optional.empty() : directoryProblem(parent).map(problem -> "its directory: " + problem);
    }
}
