package dev.glyphsupervisor.cli;

/** Sizes for people reading diagnostics: {@code 7.5 GiB}, rounded, unlike the exact config form of DataSize. */
final class Bytes {

    private Bytes() {
    }

    static String human(long bytes) {
        return dev.glyphsupervisor.config.DataSize.human(bytes);
    }
}
