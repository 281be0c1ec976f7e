package dev.glyphsupervisor.config;

/**
 * A memory limit written as a size ({@code 70GiB}) or as a share of the total ({@code 95%}).
 *
 * @param bytes    the absolute limit, or -1 when it is a share
 * @param fraction the share of the total (0 < fraction <= 1), or -1 when it is absolute
 */
public record MemoryLimit(long bytes, double fraction) {

    public static MemoryLimit parse(String text) {
        String t = text.strip();
        if (t.endsWith("%")) {
            String number = t.substring(0, t.length() - 1).strip();
            double percent;
            try {
                percent = Double.parseDouble(number);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("'" + text + "' is not a percentage like 95%");
            }
            if (!(percent > 0 && percent <= 100)) {
                throw new IllegalArgumentException("a percentage must be above 0% and at most 100%, got " + text);
            }
            return new MemoryLimit(-1, percent / 100.0);
        }
        return new MemoryLimit(DataSize.parse(t), -1);
    }

    /** The limit in bytes for a device of {@code total} bytes. */
    public long bytesOf(long total) {
        return bytes >= 0 ? bytes : (long) (fraction * total);
    }

    @Override
    public String toString() {
        return bytes >= 0 ? DataSize.format(bytes) : (fraction * 100) + "%";
    }
}
