package dev.glyphsupervisor.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class JsonlAuditLogTest {

    private static final Clock CLOCK = Clock.fixed(Instant.parse("2024-05-01T12:34:56.789123Z"), ZoneOffset.UTC);
    private static final long BIG = 1 << 20;

    @TempDir
    Path dir;

    @Test
    void recordsRoundTripWithKeysInOrder() throws IOException {
        Path file = dir.resolve("logs/audit.jsonl"); // the directory does not exist yet
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("reason", "health failed 3 times");
        fields.put("rss_bytes", 7_500_000_000L);
        fields.put("ratio", 0.85);
        fields.put("forced", true);
        fields.put("pids", List.of(101, 102));
        fields.put("caller", Map.of("uid", 1000));
        fields.put("note", null);
        try (JsonlAuditLog log = JsonlAuditLog.open(file, BIG, 3, CLOCK)) {
            log.record("restart_requested", 4, fields);
            log.record("stopped", 4, Map.of());
            assertEquals(2, log.lastSeq());
        }

        List<JsonNode> records = AuditReader.readAll(file);
        assertEquals(2, records.size());
        JsonNode first = records.get(0);
        assertEquals(List.of("schema", "ts", "seq", "event", "generation",
                "reason", "rss_bytes", "ratio", "forced", "pids", "caller", "note"), keys(first));
        assertEquals(1, first.get("schema").asInt());
        assertEquals("2024-05-01T12:34:56.789Z", first.get("ts").asText());
        assertEquals(1, first.get("seq").asLong());
        assertEquals("restart_requested", first.get("event").asText());
        assertEquals(4, first.get("generation").asLong());
        assertEquals(7_500_000_000L, first.get("rss_bytes").asLong());
        assertEquals(0.85, first.get("ratio").asDouble());
        assertTrue(first.get("forced").asBoolean());
        assertEquals(102, first.get("pids").get(1).asInt());
        assertEquals(1000, first.get("caller").get("uid").asInt());
        assertTrue(first.get("note").isNull());
        assertEquals(2, records.get(1).get("seq").asLong());
    }

    @Test
    void aRecordIsOneLineEvenWithNewlinesInValues() throws IOException {
        Path file = dir.resolve("audit.jsonl");
        try (JsonlAuditLog log = JsonlAuditLog.open(file, BIG, 1, CLOCK)) {
            log.record("launch_failed", 1, Map.of("stderr", "line one\nline two\r\n"));
        }
        assertEquals(1, Files.readAllLines(file).size());
        assertEquals("line one\nline two\r\n", AuditReader.readAll(file).get(0).get("stderr").asText());
    }

    @Test
    void reservedFieldNamesAreRejectedWithoutUsingASeq() throws IOException {
        Path file = dir.resolve("audit.jsonl");
        try (JsonlAuditLog log = JsonlAuditLog.open(file, BIG, 1, CLOCK)) {
            assertThrows(IllegalArgumentException.class, () -> log.record("x", 1, Map.of("seq", 9)));
            log.record("y", 1, Map.of());
            assertEquals(1, log.lastSeq());
        }
    }

    @Test
    void seqContinuesAcrossReopen() throws IOException {
        Path file = dir.resolve("audit.jsonl");
        try (JsonlAuditLog log = JsonlAuditLog.open(file, BIG, 1, CLOCK)) {
            assertEquals(0, log.lastSeq());
            log.record("a", 1, Map.of());
            log.record("b", 1, Map.of());
        }
        try (JsonlAuditLog log = JsonlAuditLog.open(file, BIG, 1, CLOCK)) {
            assertEquals(2, log.lastSeq());
            assertFalse(log.recoveredTornLine());
            log.record("c", 2, Map.of());
        }
        assertEquals(List.of(1L, 2L, 3L), seqs(AuditReader.readAll(file)));
    }

    @Test
    void tornLastLineIsTerminatedAndSkipped() throws IOException {
        Path file = dir.resolve("audit.jsonl");
        try (JsonlAuditLog log = JsonlAuditLog.open(file, BIG, 1, CLOCK)) {
            log.record("a", 1, Map.of());
            log.record("b", 1, Map.of("k", "v"));
        }
        // A crash mid-write: half a record, cut inside a multi-byte character, no newline.
        byte[] torn = Arrays.copyOf("{\"schema\":1,\"seq\":3,\"event\":\"é".getBytes(StandardCharsets.UTF_8), 31);
        Files.write(file, torn, StandardOpenOption.APPEND);
        assertEquals(2, AuditReader.readAll(file).size(), "the reader skips the torn line");

        try (JsonlAuditLog log = JsonlAuditLog.open(file, BIG, 1, CLOCK)) {
            assertTrue(log.recoveredTornLine());
            assertEquals(torn.length, log.tornBytes());
            assertEquals(2, log.lastSeq());
            log.record("c", 2, Map.of());
        }
        List<JsonNode> records = AuditReader.readAll(file);
        assertEquals(List.of(1L, 2L, 3L), seqs(records));
        assertEquals("c", records.get(2).get("event").asText());
        assertEquals(4, Files.readAllLines(file, StandardCharsets.ISO_8859_1).size(), "torn line kept on its own line");
    }

    @Test
    void rotationKeepsNFilesAndSeqContinues() throws IOException {
        Path file = dir.resolve("audit.jsonl");
        int keep = 2;
        try (JsonlAuditLog log = JsonlAuditLog.open(file, 400, keep, CLOCK)) {
            for (int i = 0; i < 60; i++) {
                log.record("tick", 1, Map.of("i", i));
            }
        }
        assertTrue(Files.exists(dir.resolve("audit.jsonl.1")));
        assertTrue(Files.exists(dir.resolve("audit.jsonl.2")));
        assertFalse(Files.exists(dir.resolve("audit.jsonl.3")));
        for (String name : List.of("audit.jsonl", "audit.jsonl.1", "audit.jsonl.2")) {
            assertTrue(Files.size(dir.resolve(name)) <= 400, name + " is over the limit");
        }
        List<JsonNode> kept = new ArrayList<>();
        kept.addAll(AuditReader.readAll(dir.resolve("audit.jsonl.2")));
        kept.addAll(AuditReader.readAll(dir.resolve("audit.jsonl.1")));
        kept.addAll(AuditReader.readAll(file));
        List<Long> seqs = seqs(kept);
        assertEquals(60L, seqs.get(seqs.size() - 1));
        for (int i = 1; i < seqs.size(); i++) {
            assertEquals(seqs.get(i - 1) + 1, seqs.get(i), "kept records are contiguous");
        }
        try (JsonlAuditLog log = JsonlAuditLog.open(file, 400, keep, CLOCK)) {
            assertEquals(60, log.lastSeq());
        }
    }

    /** A crash right after rotating leaves an empty current file; seq continues from {@code path.1}. */
    @Test
    void seqContinuesFromRotatedFileWhenCurrentIsEmpty() throws IOException {
        Path file = dir.resolve("audit.jsonl");
        try (JsonlAuditLog log = JsonlAuditLog.open(file, BIG, 2, CLOCK)) {
            log.record("a", 1, Map.of());
            log.record("b", 1, Map.of());
        }
        Files.move(file, dir.resolve("audit.jsonl.1"));
        Files.createFile(file);
        try (JsonlAuditLog log = JsonlAuditLog.open(file, BIG, 2, CLOCK)) {
            assertEquals(2, log.lastSeq());
            log.record("c", 1, Map.of());
        }
        assertEquals(List.of(3L), seqs(AuditReader.readAll(file)));
    }

    @Test
    void concurrentWritersGetUniqueGapFreeSeqs() throws Exception {
        Path file = dir.resolve("audit.jsonl");
        int threads = 8;
        int perThread = 250;
        try (JsonlAuditLog log = JsonlAuditLog.open(file, BIG, 3, CLOCK)) {
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            CountDownLatch start = new CountDownLatch(1);
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int writer = t;
                done.add(pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < perThread; i++) {
                        log.record("tick", 1, Map.of("writer", writer, "i", i, "pad", "x".repeat(writer * 50)));
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : done) {
                f.get();
            }
            pool.shutdown();
        }
        List<String> lines = new ArrayList<>();
        for (String name : List.of("audit.jsonl.3", "audit.jsonl.2", "audit.jsonl.1", "audit.jsonl")) {
            Path p = dir.resolve(name);
            if (Files.exists(p)) {
                lines.addAll(Files.readAllLines(p));
            }
        }
        assertEquals(threads * perThread, lines.size());
        List<Long> seqs = new ArrayList<>();
        for (String line : lines) {
            seqs.add(new com.fasterxml.jackson.databind.ObjectMapper().readTree(line).get("seq").asLong()); // throws if a line is not valid JSON
        }
        for (int i = 0; i < seqs.size(); i++) {
            assertEquals(i + 1L, seqs.get(i));
        }
    }

    @Test
    void rotatesUnderConcurrentWriters() throws Exception {
        Path file = dir.resolve("audit.jsonl");
        try (JsonlAuditLog log = JsonlAuditLog.open(file, 2000, 50, CLOCK)) {
            ExecutorService pool = Executors.newFixedThreadPool(8);
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                done.add(pool.submit(() -> {
                    for (int i = 0; i < 50; i++) {
                        log.record("tick", 1, Map.of("i", i));
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
            pool.shutdown();
            assertEquals(400, log.lastSeq());
        }
        List<JsonNode> all = new ArrayList<>();
        for (int i = 50; i >= 1; i--) {
            Path p = dir.resolve("audit.jsonl." + i);
            if (Files.exists(p)) {
                all.addAll(AuditReader.readAll(p));
            }
        }
        all.addAll(AuditReader.readAll(file));
        List<Long> seqs = seqs(all);
        assertEquals(400, seqs.size());
        for (int i = 0; i < seqs.size(); i++) {
            assertEquals(i + 1L, seqs.get(i));
        }
    }

    @Test
    void unwritablePathNamesThePath() throws IOException {
        Path regularFile = Files.createFile(dir.resolve("not-a-dir"));
        Path file = regularFile.resolve("logs/audit.jsonl");
        IOException e = assertThrows(IOException.class, () -> JsonlAuditLog.open(file, BIG, 1, CLOCK));
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
    }

    @Test
    void readerSkipsGarbageLinesInTheMiddle() throws IOException {
        Path file = dir.resolve("audit.jsonl");
        Files.writeString(file, "{\"seq\":1}\nnot json\n[1,2]\n\n{\"seq\":2}{\"seq\":3}\n{\"seq\":4}\n");
        assertEquals(List.of(1L, 4L), seqs(AuditReader.readAll(file)));
    }

    @Test
    void recordAfterCloseIsRefused() throws IOException {
        JsonlAuditLog log = JsonlAuditLog.open(dir.resolve("audit.jsonl"), BIG, 1, CLOCK);
        log.close();
        assertThrows(IllegalStateException.class, () -> log.record("late", 1, Map.of()));
    }

    private static List<String> keys(JsonNode node) {
        List<String> keys = new ArrayList<>();
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            keys.add(it.next());
        }
        return keys;
    }

    private static List<Long> seqs(List<JsonNode> records) {
        List<Long> seqs = new ArrayList<>();
        for (JsonNode r : records) {
            seqs.add(r.get("seq").asLong());
        }
        return seqs;
    }
}
