package dev.glyphsupervisor.runtime;

import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.Optional;
import java.util.Set;
import java.util.regex.PatternSyntaxException;

/**
 * Decides whether a cache glob is safe to clear. The config loader refuses unsafe globs at load time,
 * and the cleaner checks again before it deletes anything, so one rule serves both.
 *
 * <p>A glob is split into its literal base directory (the segments before the first one holding a
 * wildcard) and its pattern. It is refused when it is relative, when its base is {@code /}, the home
 * directory or one of its parents, a kernel file system, when a wildcard can match the home directory or
 * a parent of it by name ({@code /home/al*}), when it is not a valid glob, or when a one-segment base such as
 * {@code /tmp} is followed by nothing but wildcards ({@code /tmp/**} would clear everyone's files).
 */
public final class CacheGlobs {

    private static final Set<String> KERNEL_ROOTS = Set.of("/proc", "/sys", "/dev");

    private CacheGlobs() {
    }

    /** Why the glob is unsafe, or empty when it may be cleared. */
    public static Optional<String> unsafeReason(String glob, Path home) {
        if (glob == null || glob.isBlank()) {
            return Optional.of("empty glob");
        }
        if (!glob.startsWith("/")) {
            return Optional.of("'" + glob + "' is relative; cache globs must be absolute paths");
        }
        if (glob.contains("/../") || glob.endsWith("/..") || glob.contains("/./") || glob.endsWith("/.")) {
            return Optional.of("'" + glob + "' contains '.' or '..' segments");
        }
        PathMatcher matcher;
        try {
            matcher = FileSystems.getDefault().getPathMatcher("glob:" + glob);
        } catch (PatternSyntaxException e) {
            return Optional.of("'" + glob + "' is not a valid glob: " + e.getDescription());
        }
        Path base = baseDirectory(glob);
        String pattern = pattern(glob);
        if (base.getNameCount() == 0 && (pattern.isEmpty() || onlyWildcards(pattern))) {
            return Optional.of("'" + glob + "' would clear the whole file system");
        }
        Path normalizedHome = home == null ? null : home.toAbsolutePath().normalize();
        // Before the rule below: root's home, /root, is also a bare top-level directory, and this says why better.
        if (normalizedHome != null && !hasWildcard(glob) && normalizedHome.startsWith(Path.of(glob).normalize())) {
            return Optional.of("'" + glob + "' is the home directory " + normalizedHome + " or a parent of it");
        }
        if (base.getNameCount() == 0) {
            return Optional.of("'" + glob + "' starts at '/'; name a directory below it");
        }
        for (String root : KERNEL_ROOTS) {
            Path r = Path.of(root);
            if (base.startsWith(r)) {
                return Optional.of("'" + glob + "' is under " + root + ", a kernel file system");
            }
        }
        if (normalizedHome != null && matchesHomeOrParent(matcher, normalizedHome)) {
            return Optional.of("'" + glob + "' matches the home directory " + normalizedHome + " or a parent of it");
        }
        if (normalizedHome != null && normalizedHome.startsWith(base) && (pattern.isEmpty() || onlyWildcards(pattern))) {
            return Optional.of("'" + glob + "' would clear the home directory " + normalizedHome + " itself");
        }
        if (normalizedHome != null && normalizedHome.startsWith(base) && base.getNameCount() < normalizedHome.getNameCount()
                && onlyWildcards(firstSegment(pattern))) {
            return Optional.of("'" + glob + "' reaches into the home directory " + normalizedHome + " from above it");
        }
        if (base.getNameCount() == 1 && (pattern.isEmpty() || onlyWildcards(pattern))) {
            return Optional.of("'" + glob + "' would clear all of " + base + "; name a subdirectory or a file pattern");
        }
        return Optional.empty();
    }

    /** The literal directory before the first segment that holds a wildcard ({@code * ? [ {}). */
    public static Path baseDirectory(String glob) {
        String[] segments = glob.split("/");
        StringBuilder base = new StringBuilder();
        for (int i = 0; i < segments.length; i++) {
            String segment = segments[i];
            if (segment.isEmpty()) {
                continue;
            }
            boolean last = i == segments.length - 1;
            if (hasWildcard(segment) || last) {
                break;
            }
            base.append('/').append(segment);
        }
        return Path.of(base.length() == 0 ? "/" : base.toString());
    }

    /**
     * The part of the glob after its base directory, without a leading slash: what is matched against
     * paths relative to the base. Empty segments ({@code //}) are dropped, as {@link #baseDirectory} does.
     */
    public static String pattern(String glob) {
        int baseSegments = baseDirectory(glob).getNameCount();
        StringBuilder pattern = new StringBuilder();
        int seen = 0;
        for (String segment : glob.split("/")) {
            if (segment.isEmpty()) {
                continue;
            }
            if (seen++ < baseSegments) {
                continue;
            }
            if (pattern.length() > 0) {
                pattern.append('/');
            }
            pattern.append(segment);
        }
        return pattern.toString();
    }

    static boolean hasWildcard(String segment) {
        return segment.indexOf('*') >= 0 || segment.indexOf('?') >= 0 || segment.indexOf('[') >= 0
                || segment.indexOf('{') >= 0;
    }

    private static boolean onlyWildcards(String pattern) {
        return pattern.replace("/", "").replace("*", "").replace("?", "").isEmpty();
    }

    /** A wildcard can reach the home directory or a parent by name, as {@code /home/al*} does. */
    private static boolean matchesHomeOrParent(PathMatcher matcher, Path home) {
        for (Path p = home; p != null; p = p.getParent()) {
            if (matcher.matches(p)) {
                return true;
            }
        }
        return false;
    }

    private static String firstSegment(String pattern) {
        int slash = pattern.indexOf('/');
        return slash < 0 ? pattern : pattern.substring(0, slash);
    }
}
