package dev.glyphsupervisor.cli;

import dev.glyphsupervisor.config.HumanDuration;
import picocli.CommandLine.ITypeConverter;

import java.time.Duration;

/** Durations on the command line read like the config's: {@code 30s}, {@code 5m}. */
final class DurationConverter implements ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
        return HumanDuration.parse(value);
    }
}
