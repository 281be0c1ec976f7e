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

    public static List<JsonNode> readAll(Path path) throws IOException {
        List<JsonNode> records = new ArrayList<>();
        try (InputStream in = new BufferedInputStream(Files.newInputStream(path))) {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            int b;
            while ((b = in.read()) != -1) {
                if (b == '\n') {
                    addIfValid(line, records);
                    line.reset();
                } else {
                    line.write(b);
                }
            }
            addIfValid(line, records);
        }
        return records;
    }

    private static void addIfValid(ByteArrayOutputStream line, List<JsonNode> records) {
        byte[] bytes = line.toByteArray();
        AuditJson.parseLine(bytes, 0, bytes.length).ifPresent(records::add);
    }
}
