package dev.glyphsupervisor.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glyphsupervisor.core.AuditEvent;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** One audit log for several servers: each server writes through its own view; one seq counter for them all. */
@Timeout(60)
class JsonlAuditLogServersTest {

    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-06T14:04:56.643Z"), ZoneOffset.UTC);
    private static final long BIG = 1 << 20;

    @TempDir
    Path dir;

    @Test
    void aServersRecordNamesItRightAfterGenerationAndTheDaemonsOwnHaveNoServer() throws IOException {
        Path file = dir.resolve("audit.jsonl");
        try (JsonlAuditLog log = JsonlAuditLog.open(file, BIG, 3, CLOCK)) {
            AuditSink vllm = log.forServer("vllm");
            Map<String, Object> fields = new LinkedHashMap<>();
            fields.put("servers", List.of("vllm", "ui"));
            log.record(AuditEvent.SUPERVISOR_STARTED, 0, fields);
            vllm.record(AuditEvent.RESTART_DECIDED, 3, Map.of("reason", "exited"));
            log.forServer("ui").record(AuditEvent.RUNTIME_HEALTHY, 1, Map.of("pid", 42));
        }
        List<String> lines = Files.readAllLines(file);
        assertEquals(List.of(
                "{\"schema\":1,\"ts\":\"2026-12-06T14:04:56.643Z\",\"seq\":1,\"event\":\"supervisor_started\","
                        + "\"generation\":0,\"servers\":[\"vllm\",\"ui\"]}",
                "{\"schema\":1,\"ts\":\"2026-12-06T14:04:56.643Z\",\"seq\":2,\"event\":\"restart_decided\","
                        + "\"generation\":3,\"server\":\"vllm\",\"reason\":\"exited\"}",
                "{\"schema\":1,\"ts\":\"2026-12-06T14:04:56.643Z\",\"seq\":3,\"event\":\"runtime_healthy\","
                        + "\"generation\":1,\"server\":\"ui\",\"pid\":42}"), lines);

        List<AuditRecord> records = AuditReader.records(file);
        assertEquals(Optional.empty(), records.get(0).server());
        assertEquals(Optional.of("vllm"), records.get(1).server());
        assertEquals(Map.of("reason", "exited"), records.get(1).fields(), "server is header, not one of the event's fields");
        assertEquals(Optional.of("ui"), records.get(2).server());
    }

    @Test
    void twoServersWritingConcurrentlyShareOneGapFreeSeqAndEachRecordNamesItsServer() throws Exception {
        Path file = dir.resolve("audit.jsonl");
        int threadsPerServer = 4;
        int perThread = 150;
        List<String> servers = List.of("vllm", "ui");
        try (JsonlAuditLog log = JsonlAuditLog.open(file, 16_384, 100, CLOCK)) { // small: rotations on the way
            ExecutorService pool = Executors.newFixedThreadPool(threadsPerServer * servers.size() + 1);
            CountDownLatch start = new CountDownLatch(1);
            List<Future<?>> done = new ArrayList<>();
            for (String server : servers) {
                AuditSink view = log.forServer(server);
                for (int t = 0; t < threadsPerServer; t++) {
                    String probe = "writer" + t;
                    done.add(pool.submit(() -> {
                        start.await();
                        for (int i = 1; i <= perThread; i++) {
                            view.record(AuditEvent.PROBE_FAILED, 1, Map.of("probe", probe, "consecutive", i));
                        }
                        return null;
                    }));
                }
            }
            done.add(pool.submit(() -> { // the daemon's own records, interleaved
                start.await();
                for (int i = 1; i <= perThread; i++) {
                    log.record(AuditEvent.SUPERVISOR_STOPPED, 0, Map.of("restarts", i));
                }
                return null;
            }));
            start.countDown();
            for (Future<?> f : done) {
                f.get();
            }
            pool.shutdown();
        }
        List<AuditRecord> all = new ArrayList<>();
        for (int i = 100; i >= 1; i--) {
            Path rotated = AuditReader.rotatedFile(file, i);
            if (Files.exists(rotated)) {
                all.addAll(AuditReader.records(rotated));
            }
        }
        assertTrue(Files.exists(AuditReader.rotatedFile(file, 1)), "the test wants rotations under the writers");
        all.addAll(AuditReader.records(file));

        int expected = (threadsPerServer * servers.size() + 1) * perThread;
        assertEquals(expected, all.size());
        Map<String, Integer> perServer = new TreeMap<>();
        Map<String, Integer> lastOfWriter = new TreeMap<>();
        for (int i = 0; i < all.size(); i++) {
            AuditRecord record = all.get(i);
            assertEquals(i + 1L, record.seq().getAsLong(), "seq gap-free across both servers and the daemon");
            String server = record.server().orElse("(daemon)");
            perServer.merge(server, 1, Integer::sum);
            if (record.server().isPresent()) {
                assertEquals("probe_failed", record.event().orElseThrow());
                String writer = server + "/" + record.get("probe");
                int consecutive = ((Number) record.get("consecutive")).intValue();
                assertEquals(lastOfWriter.getOrDefault(writer, 0) + 1, consecutive, "each writer's records in order: " + writer);
                lastOfWriter.put(writer, consecutive);
            } else {
                assertEquals("supervisor_stopped", record.event().orElseThrow());
                assertFalse(record.values().containsKey("server"));
            }
        }
        assertEquals(Map.of("(daemon)", perThread, "ui", threadsPerServer * perThread, "vllm", threadsPerServer * perThread),
                perServer);
    }

    @Test
    void serverIsReservedForTheRecordAndABlankNameIsRefused() throws IOException {
        try (JsonlAuditLog log = JsonlAuditLog.open(dir.resolve("audit.jsonl"), BIG, 1, CLOCK)) {
            assertThrows(IllegalArgumentException.class, () -> log.record("x", 1, Map.of("server", "vllm")));
            assertThrows(IllegalArgumentException.class, () -> log.forServer(" "));
            assertThrows(NullPointerException.class, () -> log.forServer(null));
            assertEquals(0, log.lastSeq(), "a refused record takes no seq");
        }
    }

    @Test
    void aServerViewChecksTheEventsKeysWhileTesting() throws IOException {
        try (JsonlAuditLog log = JsonlAuditLog.open(dir.resolve("audit.jsonl"), BIG, 1, CLOCK)) {
            AssertionError e = assertThrows(AssertionError.class,
                    () -> log.forServer("ui").record(AuditEvent.BACKOFF, 1, Map.of("dealy_ms", 2)));
            assertTrue(e.getMessage().contains("dealy_ms"), e.getMessage());
        }
    }

    @Test
    void aViewOfAClosedLogIsRefused() throws IOException {
        JsonlAuditLog log = JsonlAuditLog.open(dir.resolve("audit.jsonl"), BIG, 1, CLOCK);
        AuditSink view = log.forServer("vllm");
        log.close();
        assertThrows(IllegalStateException.class, () -> view.record(AuditEvent.BACKOFF, 1, Map.of()));
    }
}
