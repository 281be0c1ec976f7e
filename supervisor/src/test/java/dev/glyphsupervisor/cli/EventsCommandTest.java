package dev.glyphsupervisor.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.glyphsupervisor.audit.AuditReader;
import dev.glyphsupervisor.audit.JsonlAuditLog;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EventsCommandTest {

    private static final Instant T0 = Instant.parse("2026-11-26T14:04:56.643Z");

    @TempDir
    Path dir;

    /** A clock the test moves, so records get the times it wants. */
    private final AtomicReference<Instant> now = new AtomicReference<>(T0);
    private final Clock clock = new Clock() {
        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now.get();
        }
    };

    private Path audit() {
        return dir.resolve("audit.jsonl");
    }

    private JsonlAuditLog open(long maxBytes) throws Exception {
        return JsonlAuditLog.open(audit(), maxBytes, 5, clock);
    }

    /** Runs glyphctl with events shown in UTC, so the expected lines do not depend on the machine's zone. */
    private static int run(CliRun run, String... args) {
        run.cli.getSubcommands().get("events").<EventsCommand>getCommand().zone = ZoneOffset.UTC;
        return run.execute(args);
    }

    private static Map<String, Object> fields(Object... keyValues) {
        Map<String, Object> map = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            map.put((String) keyValues[i], keyValues[i + 1]);
        }
        return map;
    }

    private static List<String> lines(CliRun run) {
        String text = run.out.toString();
        return text.isEmpty() ? List.of() : List.of(text.split("\n"));
    }

    @Test
    void recordsAreFormattedOnePerLine() throws Exception {
        try (JsonlAuditLog log = open(1 << 20)) {
            log.record("restart_decided", 1, fields("reason", "exited", "pid", 10501, "exit_code", 137, "signal", "SIGKILL"));
            now.set(T0.plusSeconds(1));
            log.record("probe_failed", 2, fields("probe", "http", "detail", "connection refused: 127.0.0.1:7878",
                    "per_pid", Map.of("10501", 1024), "globs", List.of("/a/**"), "holder", null));
            log.record("supervisor_stopped", 2, Map.of());
        }
        CliRun run = new CliRun();
        assertEquals(0, run(run, "events", "--audit", audit().toString()), run.err.toString());
        assertEquals(List.of(
                "2026-11-26 14:04:56.643  gen 1  restart_decided  reason=exited pid=10501 exit_code=137 signal=SIGKILL",
                "2026-11-26 14:04:57.643  gen 2  probe_failed  probe=http detail=\"connection refused: 127.0.0.1:7878\" "
                        + "per_pid={\"10501\":1024} globs=[\"/a/**\"] holder=null",
                "2026-11-26 14:04:57.643  gen 2  supervisor_stopped"), lines(run));
    }

    @Test
    void aServersRecordShowsItsNameAfterTheGeneration() throws Exception {
        try (JsonlAuditLog log = open(1 << 20)) {
            log.record("supervisor_started", 0, fields("servers", List.of("vllm", "ui")));
            log.record("restart_decided", 1, "vllm", fields("reason", "exited", "pid", 10501));
            log.record("runtime_healthy", 2, "odd name", fields("pid", 7));
        }
        CliRun run = new CliRun();
        assertEquals(0, run(run, "events", "--audit", audit().toString()), run.err.toString());
        assertEquals(List.of(
                "2026-11-26 14:04:56.643  gen 0  supervisor_started  servers=[\"vllm\",\"ui\"]",
                "2026-11-26 14:04:56.643  gen 1  vllm  restart_decided  reason=exited pid=10501",
                "2026-11-26 14:04:56.643  gen 2  \"odd name\"  runtime_healthy  pid=7"), lines(run));
    }

    @Test
    void serverKeepsTheRecordsOfTheNamedServersOnly() throws Exception {
        try (JsonlAuditLog log = open(1 << 20)) {
            log.record("supervisor_started", 0, Map.of());
            for (int i = 1; i <= 5; i++) {
                log.record("tick", i, "vllm", fields("i", i));
                log.record("tick", i, "ui", fields("i", i));
                log.record("tick", i, "gpu0", fields("i", i));
            }
        }
        CliRun one = new CliRun();
        assertEquals(0, run(one, "events", "--server", "ui", "-n", "2", "--audit", audit().toString()), one.err.toString());
        assertEquals(List.of("2026-11-26 14:04:56.643  gen 4  ui  tick  i=4", "2026-11-26 14:04:56.643  gen 5  ui  tick  i=5"),
                lines(one));
        assertEquals("", one.err.toString());

        CliRun commas = new CliRun();
        assertEquals(0, run(commas, "events", "--server", "vllm,gpu0", "--audit", audit().toString()));
        assertEquals(10, lines(commas).size(), commas.out.toString());
        assertTrue(lines(commas).stream().allMatch(l -> l.contains("  vllm  ") || l.contains("  gpu0  ")), commas.out.toString());

        CliRun repeated = new CliRun();
        assertEquals(0, run(repeated, "events", "--server", "vllm", "--server", "ui", "--json", "--audit", audit().toString()));
        ObjectMapper mapper = new ObjectMapper();
        for (String line : lines(repeated)) {
            String server = mapper.readTree(line).get("server").asText();
            assertTrue(server.equals("vllm") || server.equals("ui"), line);
        }
        assertEquals(10, lines(repeated).size(), "the daemon's own records name no server and are left out");
    }

    @Test
    void serverReachesIntoTheRotatedFiles() throws Exception {
        try (JsonlAuditLog log = open(400)) {
            log.record("tick", 1, "old", fields("i", 0));
            for (int i = 1; i <= 12; i++) {
                log.record("tick", 1, "new", fields("i", i));
            }
        }
        assertTrue(Files.exists(AuditReader.rotatedFile(audit(), 2)), "the test needs rotations");
        CliRun run = new CliRun();
        assertEquals(0, run(run, "events", "--server", "old", "--audit", audit().toString()), run.err.toString());
        assertEquals(List.of("2026-11-26 14:04:56.643  gen 1  old  tick  i=0"), lines(run));
    }

    @Test
    void aServerNoRecordNamesIsNotAnErrorButItSaysWhichNamesTheLogHolds() throws Exception {
        try (JsonlAuditLog log = open(1 << 20)) {
            log.record("supervisor_started", 0, Map.of());
            log.record("tick", 1, "vllm", Map.of());
            log.record("tick", 1, "ui", Map.of());
        }
        CliRun run = new CliRun();
        assertEquals(0, run(run, "events", "--server", "vlm", "--audit", audit().toString()));
        assertEquals("", run.out.toString());
        assertEquals("glyphctl events: no record of server vlm in " + audit() + "; its records name ui, vllm\n",
                run.err.toString());

        Path older = dir.resolve("older.jsonl");
        try (JsonlAuditLog log = JsonlAuditLog.open(older, 1 << 20, 5, clock)) {
            log.record("supervisor_started", 0, Map.of());
        }
        CliRun before = new CliRun();
        assertEquals(0, run(before, "events", "--server", "default", "--audit", older.toString()));
        assertTrue(before.err.toString().contains("its records name no server"), before.err.toString());

        CliRun blank = new CliRun();
        assertEquals(2, run(blank, "events", "--server", "", "--audit", audit().toString()));
        assertTrue(blank.err.toString().contains("--server needs a server's name"), blank.err.toString());
    }

    @Test
    void lastNReachesIntoTheRotatedFile() throws Exception {
        try (JsonlAuditLog log = open(400)) {
            for (int i = 1; i <= 12; i++) {
                log.record("tick", 1, fields("i", i));
            }
        }
        assertTrue(Files.exists(AuditReader.rotatedFile(audit(), 1)), "the test needs a rotation");
        assertTrue(AuditReader.readAll(audit()).size() < 5, "the current file must hold fewer than asked for");
        CliRun run = new CliRun();
        assertEquals(0, run(run, "events", "-n", "5", "--audit", audit().toString()), run.err.toString());
        List<String> lines = lines(run);
        assertEquals(5, lines.size(), run.out.toString());
        for (int k = 0; k < 5; k++) {
            assertTrue(lines.get(k).endsWith("tick  i=" + (8 + k)), lines.get(k));
        }
    }

    @Test
    void defaultIsTheLastTwenty() throws Exception {
        try (JsonlAuditLog log = open(1 << 20)) {
            for (int i = 1; i <= 25; i++) {
                log.record("tick", 1, fields("i", i));
            }
        }
        CliRun run = new CliRun();
        assertEquals(0, run(run, "events", "--audit", audit().toString()));
        assertEquals(20, lines(run).size());
        assertTrue(lines(run).get(0).endsWith("i=6"), lines(run).get(0));
    }

    @Test
    void sinceADurationBackFromNow() throws Exception {
        now.set(Instant.now().minus(Duration.ofHours(2)));
        try (JsonlAuditLog log = open(1 << 20)) {
            log.record("old", 1, Map.of());
            now.set(Instant.now().minus(Duration.ofMinutes(1)));
            log.record("recent", 1, Map.of());
        }
        CliRun run = new CliRun();
        assertEquals(0, run(run, "events", "--since", "10m", "--audit", audit().toString()), run.err.toString());
        assertEquals(1, lines(run).size(), run.out.toString());
        assertTrue(lines(run).get(0).endsWith("gen 1  recent"), run.out.toString());
    }

    @Test
    void sinceAnInstantAlsoReadsRotatedFiles() throws Exception {
        try (JsonlAuditLog log = open(300)) {
            for (int i = 1; i <= 10; i++) {
                now.set(T0.plusSeconds(i * 60L));
                log.record("tick", 1, fields("i", i));
            }
        }
        assertTrue(Files.exists(AuditReader.rotatedFile(audit(), 2)), "the test needs two rotations");
        CliRun run = new CliRun();
        // T0 + 3 min: records 3..10, more than the current file holds
        assertEquals(0, run(run, "events", "--since", "2026-11-26T14:07:56.643Z", "--audit", audit().toString()));
        List<String> lines = lines(run);
        assertEquals(8, lines.size(), run.out.toString());
        assertTrue(lines.get(0).endsWith("i=3") && lines.get(7).endsWith("i=10"), run.out.toString());

        CliRun limited = new CliRun();
        assertEquals(0, run(limited, "events", "--since", "2026-11-26T14:07:56.643Z", "-n", "2", "--audit", audit().toString()));
        assertEquals(2, lines(limited).size(), limited.out.toString());
    }

    @Test
    void aBadSinceIsAUsageError() {
        CliRun run = new CliRun();
        assertEquals(2, run(run, "events", "--since", "yesterday-ish", "--audit", audit().toString()));
        assertTrue(run.err.toString().contains("'yesterday-ish'"), run.err.toString());
    }

    @Test
    void jsonPrintsTheRecordsThemselves() throws Exception {
        try (JsonlAuditLog log = open(1 << 20)) {
            log.record("runtime_launched", 3, fields("pid", 42, "command", List.of("java", "-jar", "x.jar"), "ratio", 0.5));
            log.record("runtime_healthy", 3, fields("startup_ms", 1234));
        }
        CliRun run = new CliRun();
        assertEquals(0, run(run, "events", "--json", "--audit", audit().toString()));
        ObjectMapper mapper = new ObjectMapper();
        List<JsonNode> printed = new ArrayList<>();
        for (String line : lines(run)) {
            printed.add(mapper.readTree(line));
        }
        assertEquals(AuditReader.readAll(audit()), printed);
        assertEquals(List.of("schema", "ts", "seq", "event", "generation", "pid", "command", "ratio"),
                iterable(printed.get(0)));
    }

    private static List<String> iterable(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    @Test
    void aTornLastLineIsSkipped() throws Exception {
        try (JsonlAuditLog log = open(1 << 20)) {
            log.record("runtime_launched", 1, fields("pid", 42));
        }
        Files.writeString(audit(), "{\"schema\":1,\"ts\":\"2026-11-26T14:05:00.000Z\",\"seq\":2,\"ev",
                StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        CliRun run = new CliRun();
        assertEquals(0, run(run, "events", "--audit", audit().toString()));
        assertEquals(1, lines(run).size(), run.out.toString());

        // the next daemon start ends the torn line; it is garbage then and still skipped
        try (JsonlAuditLog log = open(1 << 20)) {
            log.record("supervisor_started", 1, Map.of());
        }
        CliRun after = new CliRun();
        assertEquals(0, run(after, "events", "--audit", audit().toString()));
        assertEquals(2, lines(after).size(), after.out.toString());
        assertTrue(lines(after).get(1).endsWith("supervisor_started"), after.out.toString());
    }

    @Test
    void followSeesNewRecordsAndSurvivesRotation() throws Exception {
        JsonlAuditLog log = open(600);
        log.record("before", 1, Map.of());
        CliRun run = new CliRun();
        AtomicInteger exit = new AtomicInteger(-1);
        Thread follower = new Thread(() -> exit.set(run(run, "events", "-f", "--audit", audit().toString())));
        follower.start();
        try {
            awaitTrue(() -> run.out.toString().contains("before"), "the history");
            log.record("after_start", 1, Map.of());
            awaitTrue(() -> run.out.toString().contains("after_start"), "a record appended while following");
            int i = 0;
            while (!Files.exists(AuditReader.rotatedFile(audit(), 1))) {
                log.record("filler", 1, fields("i", ++i));
            }
            log.record("after_rotation", 1, Map.of());
            awaitTrue(() -> run.out.toString().contains("after_rotation"), "a record in the new file");
            long fillers = lines(run).stream().filter(l -> l.contains("filler")).count();
            assertEquals(i, fillers, "every record around the rotation, once: " + run.out);
        } finally {
            follower.interrupt();
            follower.join(5_000);
            log.close();
        }
        assertFalse(follower.isAlive(), "--follow stops when interrupted");
        assertEquals(0, exit.get(), run.err.toString());
    }

    @Test
    void aMissingAuditLogIsNamed() {
        CliRun run = new CliRun();
        Path missing = dir.resolve("nope.jsonl");
        assertEquals(EventsCommand.EXIT_NO_LOG, run(run, "events", "--audit", missing.toString()));
        assertTrue(run.err.toString().contains("no audit log at " + missing), run.err.toString());
        assertEquals("", run.out.toString());
    }

    @Test
    void theConfigNamesTheAuditLog() throws Exception {
        try (JsonlAuditLog log = open(1 << 20)) {
            log.record("supervisor_started", 1, Map.of());
        }
        Path config = Files.writeString(dir.resolve("c.yaml"), "runtime:\n  command: [\"sleep\", \"1\"]\n"
                + "state_dir: " + dir.resolve("state") + "\naudit: {path: " + audit() + "}\n");
        CliRun run = new CliRun();
        assertEquals(0, run(run, "events", "--config", config.toString()), run.err.toString());
        assertTrue(run.out.toString().contains("supervisor_started"), run.out.toString());

        CliRun both = new CliRun();
        assertEquals(2, run(both, "events", "--config", config.toString(), "--audit", audit().toString()));
    }

    private static void awaitTrue(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(20);
        }
    }
}
