package dev.glyphsupervisor.runtime;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/** Keeps the server's log file bounded without restarting the server. */
public final class RuntimeLog {

    private RuntimeLog() {
    }

    /**
     * If the log is larger than {@code maxBytes}, copies it to {@code <log>.1} (replacing it) and truncates
     * the original to 0. This is safe while the server runs because the launcher opens the log with
     * O_APPEND: the server's next write goes to the new end, with no hole. Lines written between the copy
     * and the truncation are lost; that window is a few milliseconds. A missing log, or {@code maxBytes}
     * of 0 or less, does nothing. True when it rotated.
     */
    public static boolean rotateIfLarger(Path log, long maxBytes) throws IOException {
        if (maxBytes <= 0 || !Files.isRegularFile(log) || Files.size(log) <= maxBytes) {
            return false;
        }
        Files.copy(log, log.resolveSibling(log.getFileName() + ".1"), StandardCopyOption.REPLACE_EXISTING);
        try (FileChannel channel = FileChannel.open(log, StandardOpenOption.WRITE)) {
            channel.truncate(0);
        }
        return true;
    }
}
