package dev.glyphsupervisor.audit;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads an audit log file back, in order. Lines are split on bytes, not decoded as text first, so a
 * line torn in the middle of a multi-byte character does not fail the whole read; any line that is not
 * a complete JSON object (a torn last line, garbage) is skipped.
 */
public final class AuditReader {

    private AuditReader() {
    }

    /** Where {@link JsonlAuditLog} rotates the log at {@code path} to: {@code path.1} is the newest rotated file. */
    public static Path rotatedFile(Path path, int index) {
        return path.resolveSibling(path.getFileName() + "." + index);
    }

    /** Every record of the file, as Jackson's trees. */
    public static List<JsonNode> readAll(Path path) throws IOException {
        List<JsonNode> records = new ArrayList<>();
        readLines(path, (bytes, from, to) -> AuditJson.parseLine(bytes, from, to).ifPresent(records::add));
        return records;
    }

    /** Every record of the file. */
    public static List<AuditRecord> records(Path path) throws IOException {
        List<AuditRecord> records = new ArrayList<>();
        readLines(path, (bytes, from, to) -> AuditJson.parseRecord(bytes, from, to).ifPresent(records::add));
        return records;
    }

    /** A line of the file: {@code bytes[from, to)}, without its '\n'. */
    @FunctionalInterface
    interface LineSink {
        void line(byte[] bytes, int from, int to);
    }

    private static void readLines(Path path, LineSink sink) throws IOException {
        try (InputStream in = new BufferedInputStream(Files.newInputStream(path))) {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            int b;
            while ((b = in.read()) != -1) {
                if (b == '\n') {
                    emit(line, sink);
                    line.reset();
                } else {
                    line.write(b);
                }
            }
            emit(line, sink);
        }
    }

    private static void emit(ByteArrayOutputStream line, LineSink sink) {
        byte[] bytes = line.toByteArray();
        sink.line(bytes, 0, bytes.length);
    }
}
