package dev.glyphsupervisor.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Whether a directory or file could be written without creating anything now. A directory that does not
 * exist yet is fine when its nearest existing ancestor is a writable directory, since the daemon creates
 * the rest at start-up.
 */
final class WritableLocations {

    private WritableLocations() {
    }

    static Optional<String> directoryProblem(Path directory) {
        if (Files.exists(directory)) {
            if (!Files.isDirectory(directory)) {
                return Optional.of(directory + " is a file, not a directory");
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
