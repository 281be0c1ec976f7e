package dev.glyphsupervisor.cli;

import dev.glyphsupervisor.config.HumanDuration;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

import java.time.Duration;

/**
 * Durations on the command line read like the config's: {@code 30s}, {@code 5m}. A bad one is a
 * {@link TypeConversionException}, so picocli prints our reason after the option's name, not the
 * exception's class ({@code cannot convert 'x' to Duration (java.lang.IllegalArgumentException: ...)}).
 */
final class DurationConverter implements ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
        try {
            return HumanDuration.parse(value);
        } catch (IllegalArgumentException e) {
            throw new TypeConversionException(e.getMessage());
        }
    }
}
