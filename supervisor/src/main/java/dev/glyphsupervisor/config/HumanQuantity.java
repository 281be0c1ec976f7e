package dev.glyphsupervisor.config;

import java.math.BigDecimal;
import java.util.List;
import java.util.function.Function;

/**
 * What {@link DataSize} and {@link HumanDuration} share when they read a quantity a person wrote: blank and
 * negative text refused, a number followed by a unit looked up in a table, the exact conversion to a
 * {@code long}, and refusals that quote the text as written ({@code '7.5 gigs': unknown unit 'gigs'; ...}).
 */
final class HumanQuantity {

    /** A number as people write one here: digits with an optional fraction; no sign, no exponent. */
    static final String NUMBER = "\\d+(?:\\.\\d+)?";

    private final String text;
    private final String trimmed;
    private final String noun;
    private final String hint;

    private HumanQuantity(String text, String noun, String hint) {
        this.text = text;
        this.trimmed = text.strip();
        this.noun = noun;
        this.hint = hint;
    }

    /**
     * {@code text}, to be read as a {@code noun} ("size", "duration"), once it is neither blank ("empty size; "
     * and the hint) nor negative ("'-1KiB': negative sizes are not allowed").
     */
    static HumanQuantity of(String text, String noun, String hint) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("empty " + noun + "; " + hint);
        }
        HumanQuantity quantity = new HumanQuantity(text, noun, hint);
        if (quantity.trimmed.startsWith("-")) {
            throw quantity.refused("negative " + noun + "s are not allowed");
        }
        return quantity;
    }

    /** The text without the white space around it. */
    String trimmed() {
        return trimmed;
    }

    /** A refusal that quotes the text as written: {@code 'text': why}. */
    IllegalArgumentException refused(String why) {
        return new IllegalArgumentException("'" + text + "': " + why);
    }

    /** The text is not of the form this kind of quantity takes: "not a size; " and the hint. */
    IllegalArgumentException unreadable() {
        return refused("not a " + noun + "; " + hint);
    }

    /** The first of {@code units} whose symbol is {@code symbol} (case-sensitive); else refused as an unknown unit. */
    <U> U unit(String symbol, List<U> units, Function<U, String> symbolOf) {
        for (U unit : units) {
            if (symbolOf.apply(unit).equals(symbol)) {
                return unit;
            }
        }
        throw refused("unknown unit '" + symbol + "'; " + hint);
    }

    /** {@code whole} (scale 0) as a {@code long}; refused with {@code tooLarge} where it does not fit. */
    long exact(BigDecimal whole, String tooLarge) {
        try {
            return whole.longValueExact();
        } catch (ArithmeticException overflow) {
            throw refused(tooLarge);
        }
    }
}
