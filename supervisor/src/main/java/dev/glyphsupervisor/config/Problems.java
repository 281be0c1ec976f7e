package dev.glyphsupervisor.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Collects every problem of one load, so the user fixes them all in one go, then reports them in file order. A
 * problem is reported once: one in the {@code defaults} of the servers form is found again in every server it is
 * merged into, at the same place and in the same words.
 */
final class Problems {

    private record Problem(Location location, String text) {
    }

    private final String file;
    private final List<Problem> found = new ArrayList<>();

    Problems(Path file) {
        this.file = file.toString();
    }

    /** A problem with a value: {@code FILE:LINE:COL: keyPath: message}. */
    void add(Location location, String keyPath, String message) {
        Problem problem = problem(location, keyPath, message);
        if (!found.contains(problem)) {
            found.add(problem);
        }
    }

    private Problem problem(Location location, String keyPath, String message) {
        return new Problem(location, file + ":" + location + ": " + (keyPath.isEmpty() ? "" : keyPath + ": ") + message);
    }

    /**
     * A place in the report, for a problem that can only be worded later: what a section allows is known once it
     * has been read, but its unknown keys are reported where it opened, ahead of the problems found inside it.
     */
    Slot slot() {
        return new Slot(found.size());
    }

    /**
     * Problems added through a slot come out as if added when the slot was taken (the report is sorted by location,
     * and problems at one location keep that order). Slots are used innermost first, as sections nest: one taken
     * later is used before one taken earlier.
     */
    final class Slot {

        private int at;

        private Slot(int at) {
            this.at = at;
        }

        void add(Location location, String keyPath, String message) {
            Problem problem = problem(location, keyPath, message);
            if (!found.contains(problem)) {
                found.add(at++, problem);
            }
        }
    }

    /** A problem with the file as a whole, before any position is known: {@code FILE: message}. */
    void addForFile(String message) {
        found.add(new Problem(null, file + ": " + message));
    }

    int count() {
        return found.size();
    }

    void throwIfAny() throws ConfigException {
        if (!found.isEmpty()) {
            List<String> lines = found.stream()
                    .sorted(Comparator.comparing(Problem::location, Comparator.nullsFirst(Comparator.naturalOrder())))
                    .map(Problem::text)
                    .toList();
            throw new ConfigException(lines);
        }
    }
}
