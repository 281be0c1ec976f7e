package dev.glyphsupervisor.audit;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Reads an audit log as it grows, like {@code tail -F}: each {@link #poll} hands over the records
 * completed since the last one. The first poll reads the file from its start.
 *
 * <p>Only lines ended by '\n' are records: the writer puts a whole record in one write, so an unterminated
 * tail is either a write we see half of (the rest comes with the next poll) or a line torn by a crash (the
 * daemon ends it with '\n' on its next start, and then it fails to parse and is skipped like any garbage).
 *
 * <p>Rotation renames the file and creates a new one at the same path. We keep reading the renamed file
 * through the channel we hold until its end, then open the new one from its start; the new file is
 * recognised by its file key (device and inode). A file that shrank under the same key was truncated, and is
 * read again from its start. Records are lost only if the log rotates twice between two polls.
 */
public final class AuditFollower implements Closeable {

    private static final int CHUNK = 64 * 1024;

    private final Path path;
    private final ByteArrayOutputStream partial = new ByteArrayOutputStream();
    private final ByteBuffer buffer = ByteBuffer.allocate(CHUNK);
    private FileChannel channel; // null until the file exists
    private Object fileKey;
    private long position;

    public AuditFollower(Path path) {
        this.path = Objects.requireNonNull(path, "path");
    }

    /** Hands every record completed since the last poll to {@code sink}, in file order, as Jackson's trees. */
    public void poll(Consumer<JsonNode> sink) throws IOException {
        follow((bytes, from, to) -> AuditJson.parseLine(bytes, from, to).ifPresent(sink));
    }

    /** Hands every record completed since the last poll to {@code sink}, in file order. */
    public void pollRecords(Consumer<AuditRecord> sink) throws IOException {
        follow((bytes, from, to) -> AuditJson.parseRecord(bytes, from, to).ifPresent(sink));
    }

    private void follow(AuditReader.LineSink sink) throws IOException {
        if (channel == null && !open()) {
            return;
        }
        drain(sink);
        Object current = currentKey();
        if (current == null) {
            return; // between the writer's rename and its create: the new file is not there yet
        }
        if (!current.equals(fileKey)) {
            drain(sink); // what the writer put in the old file just before it rotated
            channel.close();
            channel = null;
            partial.reset();
            if (open()) {
                drain(sink);
            }
        } else if (channel.size() < position) {
            position = 0;
            partial.reset();
            drain(sink);
        }
    }

    @Override
    public void close() throws IOException {
        if (channel != null) {
            channel.close();
            channel = null;
        }
    }

    private boolean open() throws IOException {
        try {
            channel = FileChannel.open(path, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            return false;
        }
        fileKey = Files.readAttributes(path, BasicFileAttributes.class).fileKey();
        position = 0;
        return true;
    }

    private Object currentKey() throws IOException {
        try {
            return Files.readAttributes(path, BasicFileAttributes.class).fileKey();
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    private void drain(AuditReader.LineSink sink) throws IOException {
        while (true) {
            buffer.clear();
            int n = channel.read(buffer, position);
            if (n <= 0) {
                return;
            }
            position += n;
            byte[] bytes = buffer.array();
            int lineStart = 0;
            for (int i = 0; i < n; i++) {
                if (bytes[i] == '\n') {
                    emit(bytes, lineStart, i, sink);
                    lineStart = i + 1;
                }
            }
            partial.write(bytes, lineStart, n - lineStart);
        }
    }

    private void emit(byte[] bytes, int from, int to, AuditReader.LineSink sink) {
        if (partial.size() == 0) {
            sink.line(bytes, from, to);
            return;
        }
        partial.write(bytes, from, to - from);
        byte[] line = partial.toByteArray();
        partial.reset();
        sink.line(line, 0, line.length);
    }
}
