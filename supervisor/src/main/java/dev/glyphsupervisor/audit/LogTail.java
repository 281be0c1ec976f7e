package dev.glyphsupervisor.audit;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Looks at the end of an audit file without reading all of it: how many bytes of an unterminated last
 * line a crash left, and the seq of the last valid record. Reads backwards in blocks, so opening a large
 * log costs the size of its last few records.
 */
final class LogTail {

    private static final int BLOCK = 8192;

    private LogTail() {
    }

    /** Bytes after the last '\n' (the whole file when it has none); 0 when the file ends with '\n'. */
    static long tornLength(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long end = ch.size();
            long pos = end;
            while (pos > 0) {
                int n = (int) Math.min(BLOCK, pos);
                pos -= n;
                byte[] block = read(ch, pos, n);
                for (int i = n - 1; i >= 0; i--) {
                    if (block[i] == '\n') {
                        return end - (pos + i + 1);
                    }
                }
            }
            return end;
        }
    }

    /** The seq of the last line that is a valid record, skipping torn or garbage lines; empty if none. */
    static OptionalLong lastSeq(Path file) throws IOException {
        if (!Files.exists(file)) {
            return OptionalLong.empty();
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long pos = ch.size();
            byte[] partial = new byte[0]; // the start of the line that the previous block began inside
            while (pos > 0) {
                int n = (int) Math.min(BLOCK, pos);
                pos -= n;
                byte[] data = concat(read(ch, pos, n), partial);
                int lineEnd = data.length;
                for (int i = data.length - 1; i >= 0; i--) {
                    if (data[i] == '\n') {
                        OptionalLong seq = seqOf(data, i + 1, lineEnd);
                        if (seq.isPresent()) {
                            return seq;
                        }
                        lineEnd = i;
                    }
                }
                partial = Arrays.copyOf(data, lineEnd);
            }
            return seqOf(partial, 0, partial.length);
        }
    }

    private static OptionalLong seqOf(byte[] data, int from, int to) {
        Optional<JsonNode> record = AuditJson.parseLine(data, from, to);
        JsonNode seq = record.map(r -> r.get("seq")).orElse(null);
        return seq != null && seq.isIntegralNumber() ? OptionalLong.of(seq.asLong()) : OptionalLong.empty();
    }

    private static byte[] read(FileChannel ch, long position, int length) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(length);
        while (buf.hasRemaining()) {
            if (ch.read(buf, position + buf.position()) < 0) {
                throw new IOException("file shrank while reading its tail");
            }
        }
        return buf.array();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
