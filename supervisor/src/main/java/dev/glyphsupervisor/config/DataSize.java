package dev.glyphsupervisor.config;

import java.math.BigDecimal;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Byte counts as people write them: {@code 512} (bytes), {@code 512B}, {@code 10MB} (powers of 1000:
 * KB, MB, GB, TB) and {@code 64KiB} or {@code 7.5GiB} (powers of 1024: KiB, MiB, GiB, TiB). Units are
 * case-sensitive, because {@code mb} (millibits?) and {@code MB} should not both silently mean something.
 */
public final class DataSize {

    private static final String UNITS_HINT =
            "use B, KB, MB, GB, TB (powers of 1000) or KiB, MiB, GiB, TiB (powers of 1024), e.g. 64MiB";
    private static final Pattern SIZE = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([A-Za-z]*)");

    private record Unit(String symbol, long bytes) {
    }

    /** Binary units first and largest first: {@link #format} prefers the binary unit people configure. */
    private static final List<Unit> UNITS = List.of(
            new Unit("TiB", 1L << 40), new Unit("GiB", 1L << 30), new Unit("MiB", 1L << 20), new Unit("KiB", 1L << 10),
            new Unit("TB", 1_000_000_000_000L), new Unit("GB", 1_000_000_000L), new Unit("MB", 1_000_000L),
            new Unit("KB", 1_000L), new Unit("B", 1L));

    private DataSize() {
    }

    /** Parses {@code text} to a byte count; {@link IllegalArgumentException} quoting the text otherwise. */
    public static long parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("empty size; " + UNITS_HINT);
        }
        String trimmed = text.strip();
        String quoted = "'" + text + "'";
        if (trimmed.startsWith("-")) {
            throw new IllegalArgumentException(quoted + ": negative sizes are not allowed");
        }
        Matcher matcher = SIZE.matcher(trimmed);
        if (!matcher.matches()) {
            throw new IllegalArgumentException(quoted + ": not a size; " + UNITS_HINT);
        }
        String symbol = matcher.group(2).isEmpty() ? "B" : matcher.group(2);
        Unit unit = UNITS.stream().filter(u -> u.symbol.equals(symbol)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException(quoted + ": unknown unit '" + symbol + "'; " + UNITS_HINT));
        BigDecimal bytes = new BigDecimal(matcher.group(1)).multiply(BigDecimal.valueOf(unit.bytes)).stripTrailingZeros();
        if (bytes.scale() > 0) {
            throw new IllegalArgumentException(quoted + ": not a whole number of bytes");
        }
        try {
            return bytes.longValueExact();
        } catch (ArithmeticException tooLarge) {
            throw new IllegalArgumentException(quoted + ": too large");
        }
    }

    /**
     * {@code bytes} rounded for people reading a message or a status line: {@code 7.5 GiB}, {@code 582.0 MiB},
     * {@code 512 B}; "n/a" for a negative (unknown) figure. Not parseable back exactly, unlike {@link #format}.
     */
    public static String human(long bytes) {
        if (bytes < 0) {
            return "n/a";
        }
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
        double value = bytes;
        int unit = 0;
        while (value >= 1024 && unit < units.length - 1) {
            value /= 1024;
            unit++;
        }
        return unit == 0 ? bytes + " B" : String.format(java.util.Locale.ROOT, "%.1f %s", value, units[unit]);
    }

    /**
     * The shortest exact text for {@code bytes}: a binary unit with at most two decimals when one fits
     * ({@code 64MiB}, {@code 7.5GiB}), else such a decimal unit ({@code 10MB}), else plain bytes. Always
     * exact, so {@code parse(format(n)) == n}.
     */
    public static String format(long bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("negative size: " + bytes);
        }
        for (Unit unit : UNITS) {
            if (unit.bytes > 1 && bytes >= unit.bytes) {
                BigDecimal value = BigDecimal.valueOf(bytes).divide(BigDecimal.valueOf(unit.bytes)).stripTrailingZeros();
                if (value.scale() <= 2) {
                    return value.toPlainString() + unit.symbol;
                }
            }
        }
        return bytes + "B";
    }
}
