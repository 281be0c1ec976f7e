package dev.glyphsupervisor.config;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The mount a path is really on, read from {@code /proc/self/mountinfo}: the mount whose mount point is the
 * longest prefix of the path's real location (a later line at the same mount point is stacked on top of an
 * earlier one, so it wins).
 *
 * <p>Why not {@code Files.getFileStore(path)}: JDK 17 finds a path's store by walking up while the device
 * number stays the same, then matching /proc/mounts by directory. A bind mount of the same device (what
 * systemd's {@code StateDirectory=} and {@code LogsDirectory=} are) is then reported as the mount above it,
 * so under {@code ProtectSystem=strict} the writable state directory was judged to be on the read-only
 * {@code /}. Read-only is a property of each mount, not of the device.
 */
record MountInfo(Path mountPoint, String type, boolean readOnly) {

    private static final Path TABLE = Path.of("/proc/self/mountinfo");

    /** The mount {@code existing} is on, or empty when the table cannot be read or names none. */
    static Optional<MountInfo> of(Path existing) throws IOException {
        return of(existing.toRealPath(), Files.readAllLines(TABLE, StandardCharsets.UTF_8));
    }

    /**
     * From the lines of a mountinfo table, for a real (absolute, symlink-free) path. A line is
     * {@code id parent major:minor root mount-point mount-options [optional fields] - type source super-options}
     * (proc(5)); read-only is either the mount's own flag or the file system's.
     */
    static Optional<MountInfo> of(Path real, List<String> table) {
        MountInfo best = null;
        for (String line : table) {
            String[] fields = line.split(" ");
            int separator = Arrays.asList(fields).indexOf("-");
            if (fields.length < 6 || separator < 6 || separator + 3 >= fields.length) {
                continue; // not a line this format describes
            }
            Path mountPoint = Path.of(unescape(fields[4]));
            if (!real.startsWith(mountPoint)
                    || (best != null && mountPoint.getNameCount() < best.mountPoint().getNameCount())) {
                continue;
            }
            boolean readOnly = hasOption(fields[5], "ro") || hasOption(fields[separator + 3], "ro");
            best = new MountInfo(mountPoint, fields[separator + 1], readOnly);
        }
        return Optional.ofNullable(best);
    }

    private static boolean hasOption(String options, String option) {
        return Arrays.asList(options.split(",")).contains(option);
    }

    /** The kernel writes a space, tab, newline and backslash in a path as a backslash and three octal digits. */
    static String unescape(String field) {
        if (field.indexOf('\\') < 0) {
            return field;
        }
        byte[] raw = field.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream(raw.length);
        for (int i = 0; i < raw.length; i++) {
            if (raw[i] == '\\' && i + 3 < raw.length && isOctal(raw[i + 1]) && isOctal(raw[i + 2]) && isOctal(raw[i + 3])) {
                out.write((raw[i + 1] - '0') * 64 + (raw[i + 2] - '0') * 8 + (raw[i + 3] - '0'));
                i += 3;
            } else {
                out.write(raw[i]);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    private static boolean isOctal(byte b) {
        return b >= '0' && b <= '7';
    }
}
