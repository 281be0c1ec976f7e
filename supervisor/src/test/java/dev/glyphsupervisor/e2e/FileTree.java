package dev.glyphsupervisor.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Everything under a directory, as relative path → what it is (a directory, a file's size and SHA-256, a
 * link's target, or "other": a socket or a pipe). Two snapshots differ in exactly what was created, changed
 * or removed in between, which {@link #changesSince} lists. Symbolic links are recorded, never followed.
 */
record FileTree(Path root, Map<String, String> entries) {

    static FileTree of(Path root) {
        Map<String, String> entries = new TreeMap<>();
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                    if (!dir.equals(root)) {
                        entries.put(root.relativize(dir).toString(), "directory");
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    entries.put(root.relativize(file).toString(), describe(file, attrs));
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new FileTree(root, entries);
    }

    private static String describe(Path file, BasicFileAttributes attrs) throws IOException {
        if (attrs.isSymbolicLink()) {
            return "link to " + Files.readSymbolicLink(file);
        }
        if (attrs.isRegularFile()) {
            return "file of " + attrs.size() + " bytes, sha256 " + sha256(file);
        }
        return "other (socket, pipe or device)";
    }

    private static String sha256(Path file) throws IOException {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** "created X", "changed X", "removed X" for each difference from {@code before}; empty when none. */
    List<String> changesSince(FileTree before) {
        List<String> changes = new ArrayList<>();
        TreeSet<String> paths = new TreeSet<>(before.entries.keySet());
        paths.addAll(entries.keySet());
        for (String path : paths) {
            String was = before.entries.get(path);
            String now = entries.get(path);
            if (was == null) {
                changes.add("created " + path + " (" + now + ")");
            } else if (now == null) {
                changes.add("removed " + path + " (" + was + ")");
            } else if (!was.equals(now)) {
                changes.add("changed " + path + " (was " + was + ", now " + now + ")");
            }
        }
        return changes;
    }
}
