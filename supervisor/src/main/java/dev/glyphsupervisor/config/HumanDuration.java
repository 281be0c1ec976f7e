package dev.glyphsupervisor.config;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations as people write them in a config file: {@code 500ms}, {@code 30s}, {@code 5m}, {@code 2h},
 * {@code 1d}, and compounds from the largest unit to the smallest such as {@code 1m30s}. Jackson refuses
 * {@code "30s"} for {@link Duration}, and ISO-8601 ({@code PT30S}) is not what anyone types by hand.
 *
 * <p>A bare {@code 0} is accepted (zero needs no unit); any other bare number is refused, because
 * {@code 10} could mean seconds or milliseconds and guessing wrong is a silent bug.
 */
public final class HumanDuration {

    private static final String UNITS_HINT = "use ms, s, m, h or d (e.g. 500ms, 30s, 5m, 1m30s)";
    private static final Pattern BARE_NUMBER = Pattern.compile(HumanQuantity.NUMBER);
    private static final Pattern PART = Pattern.compile("\\s*(" + HumanQuantity.NUMBER + ")\\s*([A-Za-z]+)");

    /** Declared from the largest unit to the smallest: compounds must follow this order. */
    private enum Unit {
        DAYS("d", Duration.ofDays(1)),
        HOURS("h", Duration.ofHours(1)),
        MINUTES("m", Duration.ofMinutes(1)),
        SECONDS("s", Duration.ofSeconds(1)),
        MILLIS("ms", Duration.ofMillis(1));

        final String symbol;
        final Duration length;

        Unit(String symbol, Duration length) {
            this.symbol = symbol;
            this.length = length;
        }
    }

    private static final List<Unit> UNITS = List.of(Unit.values());

    private HumanDuration() {
    }

    /**
     * Parses {@code text}; throws {@link IllegalArgumentException} whose message quotes the text and says
     * what is wrong with it (unknown unit, missing unit, negative, units out of order, too long).
     */
    public static Duration parse(String text) {
        HumanQuantity quantity = HumanQuantity.of(text, "duration", UNITS_HINT);
        String trimmed = quantity.trimmed();
        if (trimmed.equals("0")) {
            return Duration.ZERO;
        }
        if (BARE_NUMBER.matcher(trimmed).matches()) {
            throw quantity.refused("missing unit; write e.g. " + trimmed + "s or "
                    + trimmed + "ms (units: ms, s, m, h, d)");
        }
        Matcher part = PART.matcher(trimmed);
        BigDecimal nanos = BigDecimal.ZERO;
        Unit previous = null;
        int position = 0;
        while (position < trimmed.length()) {
            if (!part.find(position) || part.start() != position) {
                throw quantity.unreadable();
            }
            Unit unit = quantity.unit(part.group(2), UNITS, u -> u.symbol);
            if (previous != null && unit.ordinal() <= previous.ordinal()) {
                throw quantity.refused("units must go from the largest to the smallest, each once (e.g. 1h30m)");
            }
            nanos = nanos.add(new BigDecimal(part.group(1)).multiply(BigDecimal.valueOf(unit.length.toNanos())));
            previous = unit;
            position = part.end();
        }
        long whole = quantity.exact(nanos.setScale(0, RoundingMode.HALF_UP), "too long (at most about 292 years)");
        return Duration.ofNanos(whole);
    }

    /**
     * The shortest text {@link #parse} reads back as exactly {@code d}: {@code 1m30s}, {@code 500ms},
     * {@code 0s}; a sub-millisecond remainder shows as a fraction of a millisecond ({@code 0.25ms}).
     */
    public static String format(Duration d) {
        if (d.isNegative()) {
            return "-" + format(d.negated());
        }
        if (d.isZero()) {
            return "0s";
        }
        StringBuilder text = new StringBuilder();
        Duration rest = d;
        for (Unit unit : Unit.values()) {
            if (unit == Unit.MILLIS) {
                BigDecimal millis = BigDecimal.valueOf(rest.toNanos()).movePointLeft(6).stripTrailingZeros();
                if (millis.signum() > 0) {
                    text.append(millis.toPlainString()).append(unit.symbol);
                }
                break;
            }
            long count = rest.dividedBy(unit.length);
            if (count > 0) {
                text.append(count).append(unit.symbol);
                rest = rest.minus(unit.length.multipliedBy(count));
            }
        }
        return text.toString();
    }
}
