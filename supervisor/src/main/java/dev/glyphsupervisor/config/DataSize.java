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
    private static final Pattern SIZE = Pattern.compile("(" + HumanQuantity.NUMBER + ")\\s*([A-Za-z]*)");

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
        HumanQuantity quantity = HumanQuantity.of(text, "size", UNITS_HINT);
        Matcher matcher = SIZE.matcher(quantity.trimmed());
        if (!matcher.matches()) {
            throw quantity.unreadable();
        }
        Unit unit = quantity.unit(matcher.group(2).isEmpty() ? "B" : matcher.group(2), UNITS, Unit::symbol);
        BigDecimal bytes = new BigDecimal(matcher.group(1)).multiply(BigDecimal.valueOf(unit.bytes)).stripTrailingZeros();
        if (bytes.scale() > 0) {
            throw quantity.refused("not a whole number of bytes");
        }
        return quantity.exact(bytes, "too large");
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
