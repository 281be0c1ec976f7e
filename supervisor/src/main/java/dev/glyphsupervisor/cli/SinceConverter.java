package dev.glyphsupervisor.cli;

import dev.glyphsupervisor.config.HumanDuration;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

import java.time.Clock;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;

/**
 * {@code --since}: an instant ({@code 2026-11-26T14:00:00Z}, or with an offset), a local date-time
 * ({@code 2026-11-26T14:00}, or with a space instead of the T), a local date (its midnight), or a duration
 * back from now ({@code 10m}, {@code 1h30m}).
 */
final class SinceConverter implements ITypeConverter<Instant> {

    private final Clock clock = Clock.systemDefaultZone();

    @Override
    public Instant convert(String value) {
        String text = value.strip();
        if (!text.isEmpty() && Character.isLetter(text.charAt(text.length() - 1)) && !text.endsWith("Z")) {
            try {
                return clock.instant().minus(HumanDuration.parse(text));
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
        String iso = text.replaceFirst("^(\\d{4}-\\d\\d-\\d\\d) ", "$1T");
        try {
            return Instant.parse(iso);
        } catch (DateTimeException notAnInstant) {
            // fall through to the local forms
        }
        try {
            return LocalDateTime.parse(iso).atZone(clock.getZone()).toInstant();
        } catch (DateTimeException notALocalDateTime) {
            // fall through
        }
        try {
            return LocalDate.parse(iso).atStartOfDay(clock.getZone()).toInstant();
        } catch (DateTimeException e) {
            throw new TypeConversionException("'" + value + "' is neither a time (2026-11-26T14:00:00Z, "
                    + "2026-11-26 14:00, 2026-11-26) nor a duration back from now (10m, 2h, 1d)");
        }
    }
}
