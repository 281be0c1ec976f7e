package dev.glyphsupervisor.runtime;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Deletes what the configured cache globs match, and nothing else.
 *
 * <p>Each glob is split by {@link CacheGlobs} into a literal base directory and a pattern. The base is
 * resolved to its real path once and checked against the safety rule again, so a base that is itself a
 * symbolic link to {@code /} is refused. Below the base, links are never followed: a matching link is
 * removed as a link, and before each removal the parent's real path must still lie inside the base.
 */
public final class CacheCleaner {

    private final Path home;

    public CacheCleaner(Path home) {
        this.home = home;
    }

    /**
     * Deletes the files and directories matching each glob (java.nio {@code glob:} syntax, relative to the
     * glob's base directory, where {@code **} crosses directories and {@code *} does not). A matching
     * directory is removed with everything in it. The base directory itself is never removed; a missing
     * base clears nothing.
     */
    public CacheReport clear(List<String> globs) {
        Tally tally = new Tally();
        for (String glob : globs) {
            Optional<String> unsafe = CacheGlobs.unsafeReason(glob, home);
            if (unsafe.isPresent()) {
                tally.skipped.add(glob + ": " + unsafe.get());
                continue;
            }
            clearOne(glob, tally);
        }
        return new CacheReport(tally.files, tally.directories, tally.bytes, tally.skipped, tally.errors);
    }

    private void clearOne(String glob, Tally tally) {
        Path realBase;
        try {
            realBase = CacheGlobs.baseDirectory(glob).toRealPath();
        } catch (NoSuchFileException e) {
            return; // nothing cached yet
        } catch (IOException e) {
            tally.errors.add(glob + ": " + e);
            return;
        }
        String pattern = CacheGlobs.pattern(glob);
        Optional<String> unsafe = CacheGlobs.unsafeReason(realBase + "/" + pattern, home);
        if (unsafe.isPresent()) {
            tally.skipped.add(glob + ": its base resolves to " + realBase + ", and " + unsafe.get());
            return;
        }
        if (!Files.isDirectory(realBase)) {
            return;
        }
        PathMatcher matcher = FileSystems.getDefault().getPathMatcher("glob:" + pattern);
        try {
            Files.walkFileTree(realBase, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                    if (!dir.equals(realBase) && matcher.matches(realBase.relativize(dir))) {
                        deleteTree(realBase, dir, tally);
                        return FileVisitResult.SKIP_SUBTREE;
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                    if (matcher.matches(realBase.relativize(file))) {
                        deleteOne(realBase, file, attrs, tally);
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException e) {
                    if (!(e instanceof NoSuchFileException)) {
                        tally.errors.add(file + ": " + e);
                    }
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            tally.errors.add(glob + ": " + e);
        }
    }

    /** Removes a directory and its contents, depth first, never following links. */
    private static void deleteTree(Path realBase, Path dir, Tally tally) {
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                    deleteOne(realBase, file, attrs, tally);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException e) {
                    if (e != null) {
                        tally.errors.add(d + ": " + e);
                    } else {
                        deleteOne(realBase, d, null, tally);
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException e) {
                    tally.errors.add(file + ": " + e);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            tally.errors.add(dir + ": " + e);
        }
    }

    /**
     * Removes one entry ({@code attrs} null for a directory). The parent is resolved again first: if a
     * directory on the way was swapped for a link since the walk saw it, the entry now lies elsewhere.
     */
    private static void deleteOne(Path realBase, Path path, BasicFileAttributes attrs, Tally tally) {
        try {
            if (!path.getParent().toRealPath().startsWith(realBase)) {
                tally.errors.add(path + ": now lies outside " + realBase + " (a link on the way?); left alone");
                return;
            }
            Files.delete(path);
            if (attrs == null) {
                tally.directories++;
            } else {
                tally.files++;
                if (attrs.isRegularFile()) {
                    tally.bytes += attrs.size();
                }
            }
        } catch (NoSuchFileException e) {
            // removed by someone else meanwhile: the goal is met
        } catch (IOException e) {
            tally.errors.add(path + ": " + e);
        }
    }

    private static final class Tally {
        int files;
        int directories;
        long bytes;
        final List<String> skipped = new ArrayList<>();
        final List<String> errors = new ArrayList<>();
    }
}
