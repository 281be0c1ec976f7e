package dev.glyphsupervisor.config;

import java.util.Comparator;

/** A 1-based line and column in the config file. */
record Location(int line, int column) implements Comparable<Location> {

    private static final Comparator<Location> ORDER =
            Comparator.comparingInt(Location::line).thenComparingInt(Location::column);

    @Override
    public int compareTo(Location other) {
        return ORDER.compare(this, other);
    }

    @Override
    public String toString() {
        return line + ":" + column;
    }
}
