package dev.glyphsupervisor.audit;

import dev.glyphsupervisor.core.AuditEvent;
import dev.glyphsupervisor.io.IoMessages;
import dev.glyphsupervisor.json.Json;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.Set;

/**
 * The audit log: JSON Lines, one record per line, keys {@code schema, ts, seq, event, generation}, then
 * {@code server} for a record of one server, then the caller's fields in their order.
 *
 * <p>One log serves every server of the daemon: {@link #forServer} gives each server its own {@link AuditSink},
 * whose records carry {@code "server":"NAME"} right after {@code generation} (generations are per server, so the
 * two read together). Records written through the log itself are the daemon's own ({@code supervisor_started} and
 * the like) and have no {@code server} key. All of them share one {@code seq} counter, so {@code seq} is
 * gap-free across the whole log, whichever server wrote.
 *
 * <p>Each record is written with one {@code write(2)} through an append-mode channel, so it has reached
 * the operating system when {@link #record} returns; a crash of the daemon after that cannot lose it. We
 * do not fsync per record: that costs milliseconds on every event (and stalls behind other I/O), and it
 * protects only against power loss, which the supervisor cannot act on anyway.
 *
 * <p>{@code seq} is gap-free across restarts: on open we take the seq of the last valid record in the
 * file (or, when the file has none, for example right after a rotation, in the rotated files). A line
 * that a crash left unterminated is closed with '\n' on open so the next record starts on its own line;
 * {@link #recoveredTornLine()} and {@link #tornBytes()} let the daemon mention it. Files rotate by size:
 * {@code path} becomes {@code path.1}, {@code path.1} becomes {@code path.2}, … up to {@code keep}.
 *
 * <p>Thread-safe: every operation holds this object's monitor, so records are written whole and in seq
 * order.
 */
public final class JsonlAuditLog implements AuditSink, Closeable {

    static final int SCHEMA = 1;
    private static final Set<String> RECORD_KEYS = Set.of("schema", "ts", "seq", "event", "generation", "server");
    private static final DateTimeFormatter TS =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

    private final Path path;
    private final long maxBytes;
    private final int keep;
    private final Clock clock;
    private final long tornBytes;

    private FileChannel channel; // null after a failed rotation; the next record reopens the file
    private long size;
    private long lastSeq;
    /** A failed write left part of a record on an unterminated line; the next record ends that line first. */
    private boolean pendingNewline;
    private boolean closed;

    private JsonlAuditLog(Path path, long maxBytes, int keep, Clock clock, long tornBytes, long lastSeq) {
        this.path = path;
        this.maxBytes = maxBytes;
        this.keep = keep;
        this.clock = clock;
        this.tornBytes = tornBytes;
        this.lastSeq = lastSeq;
    }

    /**
     * Opens (creating it and its directory if needed) the log at {@code path} for appending.
     *
     * @param maxBytes rotate before a record would make the file larger than this
     * @param keep     how many rotated files ({@code path.1} … {@code path.keep}) to keep; at least 1
     * @throws IOException naming the path when the directory or file cannot be created, opened or read
     */
    public static JsonlAuditLog open(Path path, long maxBytes, int keep, Clock clock) throws IOException {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(clock, "clock");
        if (maxBytes <= 0) {
            throw new IllegalArgumentException("audit log max size must be positive, got " + maxBytes);
        }
        if (keep < 1) {
            throw new IllegalArgumentException("audit log must keep at least 1 rotated file, got " + keep);
        }
        Path dir = path.toAbsolutePath().getParent();
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new IOException(
                    "cannot create audit log directory " + dir + " for " + path + ": " + IoMessages.reason(e), e);
        }
        JsonlAuditLog log = null;
        try {
            long torn = Files.exists(path) ? LogTail.tornLength(path) : 0;
            log = new JsonlAuditLog(path, maxBytes, keep, clock, torn, 0);
            log.openChannel();
            if (torn > 0) {
                log.write(new byte[] {'\n'});
            }
            log.lastSeq = log.findLastSeq();
            return log;
        } catch (IOException e) {
            IOException named = new IOException("cannot open audit log " + path + ": " + IoMessages.reason(e), e);
            if (log != null) {
                try {
                    log.close();
                } catch (IOException closing) {
                    named.addSuppressed(closing);
                }
            }
            throw named;
        }
    }

    /** Records of the daemon itself (no {@code server} key); a server's records go through {@link #forServer}. */
    @Override
    public void record(AuditEvent event, long generation, Map<String, Object> fields) {
        record(event.wireName(), generation, null, checked(event, fields));
    }

    /**
     * The view of this log that one server writes through: every record it writes carries {@code "server":name}
     * right after {@code generation}, and takes its {@code seq} from this log's one counter. Views are cheap and
     * hold no resources; closing this log closes them all.
     *
     * @param name the server's name, as the config gives it (non-blank)
     */
    public AuditSink forServer(String name) {
        Objects.requireNonNull(name, "name");
        if (name.isBlank()) {
            throw new IllegalArgumentException("a server's name must not be blank");
        }
        return new ServerView(name);
    }

    /**
     * Writes a record of any name: the format's own entry point, for tests and tools. The daemon writes through
     * {@link AuditSink}, whose events are typed.
     */
    public void record(String event, long generation, Map<String, Object> fields) {
        record(event, generation, null, fields);
    }

    /**
     * Writes a record of any name for {@code server} (null: the daemon's own record, without the key): the format's
     * own entry point, for tests and tools.
     */
    public synchronized void record(String event, long generation, String server, Map<String, Object> fields) {
        Objects.requireNonNull(event, "event");
        if (closed) {
            throw new IllegalStateException("audit log " + path + " is closed");
        }
        long seq = lastSeq + 1;
        byte[] line = encode(seq, event, generation, server, fields == null ? Map.of() : fields);
        try {
            if (channel == null) {
                openChannel();
            }
            if (size > 0 && size + line.length > maxBytes) {
                rotate();
            }
            write(line);
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "cannot write audit record '" + event + "' to " + path + ": " + IoMessages.reason(e), e);
        }
        lastSeq = seq;
    }

    /** The seq of the last record written or found on open; 0 when the log has never held one. */
    public synchronized long lastSeq() {
        return lastSeq;
    }

    /** Whether open found (and terminated) a last line that a crash left unfinished. */
    public boolean recoveredTornLine() {
        return tornBytes > 0;
    }

    /** How many bytes that unfinished line had; 0 when there was none. */
    public long tornBytes() {
        return tornBytes;
    }

    @Override
    public synchronized void close() throws IOException {
        closed = true;
        if (channel != null) {
            channel.close();
            channel = null;
        }
    }

    private static Map<String, Object> checked(AuditEvent event, Map<String, Object> fields) {
        assert fields == null || event.undeclared(fields.keySet()).isEmpty()
                : event + " does not declare " + event.undeclared(fields.keySet());
        return fields;
    }

    private byte[] encode(long seq, String event, long generation, String server, Map<String, Object> fields) {
        Map<String, Object> record = new LinkedHashMap<>();
        record.put("schema", SCHEMA);
        record.put("ts", TS.format(clock.instant()));
        record.put("seq", seq);
        record.put("event", event);
        record.put("generation", generation);
        if (server != null) {
            record.put("server", server);
        }
        for (Map.Entry<String, Object> field : fields.entrySet()) {
            if (RECORD_KEYS.contains(field.getKey())) {
                throw new IllegalArgumentException(
                        "audit field '" + field.getKey() + "' of event '" + event + "' is reserved for the record itself");
            }
            record.put(field.getKey(), field.getValue());
        }
        try {
            // Jackson escapes control characters in strings, so a record is always exactly one line.
            byte[] json = Json.write(record);
            byte[] line = new byte[json.length + 1];
            System.arraycopy(json, 0, line, 0, json.length);
            line[json.length] = '\n';
            return line;
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("cannot serialize the fields of audit event '" + event + "': "
                    + e.getMessage(), e);
        }
    }

    private void write(byte[] line) throws IOException {
        int prefix = pendingNewline ? 1 : 0;
        ByteBuffer buf = ByteBuffer.allocate(prefix + line.length);
        if (prefix == 1) {
            buf.put((byte) '\n');
        }
        buf.put(line).flip();
        int written = 0;
        try {
            while (buf.hasRemaining()) {
                written += channel.write(buf);
            }
        } catch (IOException e) {
            // Part of this record went out (disk full): its line is unterminated, so the next record must
            // end it first. If only the pending '\n' went out, that line is now ended.
            pendingNewline = written > prefix || (pendingNewline && written == 0);
            throw e;
        } finally {
            size += written;
        }
        pendingNewline = false;
    }

    private void rotate() throws IOException {
        channel.close();
        channel = null;
        for (int i = keep - 1; i >= 1; i--) {
            Path older = rotated(i);
            if (Files.exists(older)) {
                Files.move(older, rotated(i + 1), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        Files.move(path, rotated(1), StandardCopyOption.REPLACE_EXISTING);
        openChannel();
    }

    private void openChannel() throws IOException {
        channel = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        size = channel.size();
        pendingNewline = false;
    }

    private long findLastSeq() throws IOException {
        for (int i = 0; i <= keep; i++) {
            OptionalLong seq = LogTail.lastSeq(i == 0 ? path : rotated(i));
            if (seq.isPresent()) {
                return seq.getAsLong();
            }
        }
        return 0;
    }

    private Path rotated(int index) {
        return AuditReader.rotatedFile(path, index);
    }

    /** One server's records: this log's, with {@code server} set. */
    private final class ServerView implements AuditSink {
        private final String server;

        ServerView(String server) {
            this.server = server;
        }

        @Override
        public void record(AuditEvent event, long generation, Map<String, Object> fields) {
            JsonlAuditLog.this.record(event.wireName(), generation, server, checked(event, fields));
        }

        @Override
        public String toString() {
            return "audit log " + path + " for server " + server;
        }
    }
}
