package dev.glyphsupervisor.cli;

import java.util.Locale;

/** Sizes for people reading diagnostics: {@code 7.5 GiB}, rounded, unlike the exact config form of DataSize. */
final class Bytes {

    private static final String[] UNITS = {"B", "KiB", "MiB", "GiB", "TiB"};

    private Bytes() {
    }

    static String human(long bytes) {
        if (bytes < 0) {
            return "n/a";
        }
        double value = bytes;
        int unit = 0;
        while (value >= 1024 && unit < UNITS.length - 1) {
            value /= 1024;
            unit++;
        }
        return unit == 0 ? bytes + " B" : String.format(Locale.ROOT, "%.1f %s", value, UNITS[unit]);
    }
}
