package dev.glyphsupervisor.reference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shaded jar, run as the supervisor runs it: a child JVM, seen from outside through HTTP and /proc. */
class ReferenceJarIT {

    private static final Path JAR = Path.of(System.getProperty("reference.jar", "target/reference-runtime.jar"));
    private static final Duration LOAD_TIMEOUT = Duration.ofSeconds(90);

    /**
     * The JVM flags for the memory tests. Left to itself the JVM grows and touches its heap in big,
     * irregular steps (G1 touched ~500 MB over the first requests with history limited), which hides
     * what the server itself retains. So: a fixed 128 MB starting heap touched at start, the serial
     * collector, and growth in small steps (at most 10% free after a collection). Then RSS moves only
     * when the live data outgrows the heap, which is what the history decides.
     */
    private static final List<String> STEADY_HEAP = List.of("-XX:+UseSerialGC", "-Xms128m", "-Xmx1g",
            "-XX:+AlwaysPreTouch", "-XX:MinHeapFreeRatio=5", "-XX:MaxHeapFreeRatio=10");

    @TempDir
    Path work;

    @Test
    void unboundedHistoryGrowsRssWithRequests() throws Exception {
        long growthMb = rssGrowthMb("--history", "unbounded");
        // Each request leaves 1 MB of input text and 128 vectors in the history: over 100 MB in 100 requests.
        assertTrue(growthMb >= 50, "RSS grew only " + growthMb + " MB with the history unbounded");
    }

    @Test
    void limitedHistoryKeepsRssFlat() throws Exception {
        long growthMb = rssGrowthMb("--history-limit", "10");
        assertTrue(growthMb <= 15, "RSS grew " + growthMb + " MB with --history-limit 10");
    }

    @Test
    void aBadFlagExitsWithStatus2AndNamesTheFlag() throws Exception {
        Path err = work.resolve("err.txt");
        Process process = new ProcessBuilder(command(List.of(), "--port", "80000"))
                .redirectError(err.toFile()).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        assertTrue(process.waitFor(60, TimeUnit.SECONDS));
        assertEquals(2, process.exitValue());
        assertTrue(Files.readString(err).contains("--port: expected an integer from 0 to 65535, got '80000'"),
                Files.readString(err));

        Process engine = new ProcessBuilder(command(List.of(), "--engine-threads", "0"))
                .redirectError(err.toFile()).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        assertTrue(engine.waitFor(60, TimeUnit.SECONDS));
        assertEquals(2, engine.exitValue());
        assertTrue(Files.readString(err).contains("--engine-threads: expected an integer from 1 to 256, got '0'"),
                Files.readString(err));
    }

    @Test
    void sigtermStopsItGracefully() throws Exception {
        Path out = work.resolve("out.txt");
        Process process = new ProcessBuilder(command(List.of(), "--port", "0"))
                .redirectOutput(out.toFile()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try {
            new TestHttp(listeningPort(out)).await("/health", reply -> reply.status() == 200, LOAD_TIMEOUT);
            process.destroy(); // SIGTERM
            assertTrue(process.waitFor(30, TimeUnit.SECONDS), "still running after SIGTERM");
            assertEquals(143, process.exitValue());
            assertTrue(Files.readString(out).contains("reference-runtime stopped"), Files.readString(out));
        } finally {
            process.destroyForcibly();
        }
    }

    @Test
    void sigtermStopsAServerWhoseEngineIsHung() throws Exception {
        Path out = work.resolve("out.txt");
        Process process = new ProcessBuilder(command(List.of(), "--port", "0", "--fault-endpoints",
                "--engine-threads", "2"))
                .redirectOutput(out.toFile()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try {
            TestHttp http = new TestHttp(listeningPort(out));
            http.await("/health", reply -> reply.status() == 200, LOAD_TIMEOUT);
            assertTrue(Files.readString(out).contains("FAULT ENDPOINTS ENABLED (--fault-endpoints)"), Files.readString(out));
            assertTrue(Files.readString(out).contains("engine threads 2;"), Files.readString(out));
            assertEquals(200, http.post("/admin/fault/hang", "").status());
            // Both engine threads hung on a request each, a third one queued behind them.
            List<CompletableFuture<TestHttp.Reply>> held = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                held.add(http.postAsync("/v1/embeddings", Map.of("input", "held by a hung engine " + i)));
            }
            http.awaitMetrics(m -> m.get(EngineMetrics.RUNNING) == 2 && m.get(EngineMetrics.WAITING) == 1,
                    Duration.ofSeconds(30));
            assertEquals(200, http.get("/health").status());

            long start = System.nanoTime();
            process.destroy(); // SIGTERM
            assertTrue(process.waitFor(30, TimeUnit.SECONDS), "a hung engine kept the JVM alive after SIGTERM");
            double seconds = (System.nanoTime() - start) / 1e9;
            assertEquals(143, process.exitValue());
            assertTrue(seconds < 10, "SIGTERM took " + seconds + " s with the engine hung");
            for (CompletableFuture<TestHttp.Reply> request : held) {
                assertEquals(503, request.get(30, TimeUnit.SECONDS).status());
            }
            assertTrue(Files.readString(out).contains("reference-runtime stopped"), Files.readString(out));
        } finally {
            process.destroyForcibly();
        }
    }

    @Test
    void aKilledServerLeavesNoNativeLibrariesInTmp() throws Exception {
        Path tmp = Files.createDirectories(work.resolve("tmp"));
        Path xdg = work.resolve("xdg");
        Path out = work.resolve("out.txt");
        List<String> command = command(List.of("-Djava.io.tmpdir=" + tmp), "--port", "0");
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectOutput(out.toFile()).redirectError(ProcessBuilder.Redirect.DISCARD);
        builder.environment().put("XDG_CACHE_HOME", xdg.toString());
        Process process = builder.start();
        try {
            new TestHttp(listeningPort(out)).await("/health", reply -> reply.status() == 200, LOAD_TIMEOUT);
        } finally {
            process.destroyForcibly(); // SIGKILL: no shutdown hooks, no deleteOnExit
            assertTrue(process.waitFor(30, TimeUnit.SECONDS));
        }
        assertEquals(List.of(), sharedObjects(tmp), "libraries left in java.io.tmpdir");
        assertEquals(2, sharedObjects(xdg.resolve("glyph-reference-runtime")).size());
    }

    private static List<Path> sharedObjects(Path root) throws IOException {
        try (java.util.stream.Stream<Path> walk = Files.walk(root)) {
            return walk.filter(p -> p.toString().endsWith(".so")).toList();
        }
    }

    /**
     * Starts the jar with {@code historyFlags}, warms it up, then returns how much its RSS grew over
     * 100 more requests. Every request carries 128 copies of one 8,000-character text: after the first
     * request they are disk-cache hits, so the traffic is cheap, yet each copy is a new string the
     * history keeps (with its vector) when it keeps the request.
     */
    private long rssGrowthMb(String... historyFlags) throws Exception {
        Path out = work.resolve("out.txt");
        List<String> flags = new ArrayList<>(List.of("--port", "0", "--cache-dir", work.resolve("cache").toString()));
        Collections.addAll(flags, historyFlags);
        Process process = new ProcessBuilder(command(STEADY_HEAP, flags.toArray(String[]::new)))
                .redirectOutput(out.toFile()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try {
            TestHttp http = new TestHttp(listeningPort(out));
            http.await("/health", reply -> reply.status() == 200, LOAD_TIMEOUT);
            String text = "The quick brown fox jumps over the lazy dog near the river bank. ".repeat(125);
            String body = TestHttp.JSON.writeValueAsString(Map.of("input", Collections.nCopies(128, text)));
            // Warm-up: the JIT, the thread pool and the (pre-touched) heap settle before the first reading.
            send(http, body, 100);
            long before = rssKb(process.pid());
            send(http, body, 100);
            long after = rssKb(process.pid());
            System.out.printf("%s: RSS %d MB -> %d MB%n", String.join(" ", historyFlags), before / 1024, after / 1024);
            return (after - before) / 1024;
        } finally {
            process.destroy();
            process.waitFor(30, TimeUnit.SECONDS);
            process.destroyForcibly();
        }
    }

    private static void send(TestHttp http, String body, int requests) throws IOException, InterruptedException {
        for (int i = 0; i < requests; i++) {
            TestHttp.Reply reply = http.post("/v1/embeddings", body);
            assertEquals(200, reply.status(), () -> reply.body().toString());
        }
    }

    private static long rssKb(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D", ""));
            }
        }
        throw new IllegalStateException("no VmRSS for pid " + pid);
    }

    private static List<String> command(List<String> jvmFlags, String... args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmFlags);
        command.add("-jar");
        command.add(JAR.toString());
        Collections.addAll(command, args);
        return command;
    }

    /** The port a {@code --port 0} server picked, from its first log line (no race for a "free" port). */
    private static int listeningPort(Path log) throws IOException, InterruptedException {
        Pattern listening = Pattern.compile("listening on http://[^:]+:(\\d+)");
        long deadline = System.nanoTime() + LOAD_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            Matcher m = listening.matcher(Files.readString(log));
            if (m.find()) {
                return Integer.parseInt(m.group(1));
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no 'listening on' line in " + LOAD_TIMEOUT + ": " + Files.readString(log));
    }
}
