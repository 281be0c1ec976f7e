package dev.glyphsupervisor.e2e;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The hang-detection benchmark of issue 16 (a command that prints figures, not a test):
 *
 * <pre>./mvnw -B -q -Phang-bench -pl supervisor -am verify -DskipTests
 *     [-Dhang.rounds=20] [-Dhang.minutes=10] [-Dhang.steps=detect,healthy] [-Dhang.idle=15]</pre>
 *
 * <p>The same profile first runs the probes module's {@code ScrapeBenchmark} (the CPU of one progress scrape of a
 * vLLM-sized exposition, issue 16's third figure; {@code -Dhang.skipScrape=true} leaves it out). Then, in its own JVM,
 * this class starts the real daemon through {@code bin/glyphctl daemon} (its JVM flags, the shaded jar) on the
 * reference runtime ({@code model-runtime/reference/target/reference-runtime.jar --fault-endpoints --engine-threads 2})
 * with {@code probes.schedule: 1s}, the HTTP health probe, and {@code probes.progress: {engine: reference,
 * stall_after: 10s}}, and measures:
 *
 * <ol>
 *   <li><b>detect</b>: detection time of a hung engine whose /health stays 200. N rounds, each on a new generation
 *       (a hang lasts as long as its process): two clients send one-input embeddings back to back; once the
 *       generation is healthy and its engine has stepped under them for 3 s, {@code POST /admin/fault/hang} (every
 *       engine thread blocks forever at its next step); detection = the audit's {@code restart_decided} {@code ts}
 *       (its reason must be {@code stalled}) minus the wall time just before the POST was sent; then hang → the
 *       next generation's {@code runtime_healthy}. By design it cannot be under {@code stall_after}.</li>
 *   <li><b>healthy</b>: restarts over M minutes of healthy traffic on a fresh daemon, in cycles of: 20 s of two
 *       clients with short requests; one long request (a slow fault of {@code step_ms} per step, alternating
 *       400 ms × 45 inputs and 2500 ms × 7 inputs: ~18 s while its steps move), alone for its first 12 s (the
 *       request-end totals flat for longer than {@code stall_after}), then with a client's short requests beside it;
 *       an idle gap of {@code hang.idle} s (no request at all, longer than {@code stall_after}). Prints the restarts
 *       (must be 0), requests served, the longest request and the longest idle gap.</li>
 * </ol>
 */
public final class HangBenchmark {

    private static final Duration T = Duration.ofSeconds(90);
    private static final Path JAR = Path.of(System.getProperty("basedir", "."), "..", "model-runtime", "reference",
            "target", "reference-runtime.jar").toAbsolutePath().normalize();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();
    /** Traffic before each hang: the engine stepping under the clients for this long, the probe reading it. */
    private static final Duration TRAFFIC_BEFORE_HANG = Duration.ofSeconds(3);

    private final int stallAfterS;
    private final String schedule;

    private HangBenchmark(int stallAfterS, String schedule) {
        this.stallAfterS = stallAfterS;
        this.schedule = schedule;
    }

    public static void main(String[] args) throws Exception {
        int rounds = Integer.getInteger("hang.rounds", 20);
        int minutes = Integer.getInteger("hang.minutes", 10);
        int idleS = Integer.getInteger("hang.idle", 15);
        int stallAfterS = Integer.getInteger("hang.stallAfter", 10);
        String schedule = System.getProperty("hang.schedule", "1s");
        List<String> steps = List.of(System.getProperty("hang.steps", "detect,healthy").split(","));
        if (!Files.exists(JAR)) {
            throw new IllegalStateException("the reference runtime's jar is not built: " + JAR);
        }
        Path dir = Files.createTempDirectory("glyph-hang-bench");
        System.out.println("glyph-supervisor hang benchmark (issue 16)");
        System.out.println("machine: " + Runtime.getRuntime().availableProcessors() + " cpus (" + cpuModel() + "), java "
                + System.getProperty("java.version") + ", " + System.getProperty("os.name") + " "
                + System.getProperty("os.version") + "; load average at start: " + ProcStat.loadAverage());
        System.out.println("config: probes.schedule " + schedule + ", http /health (timeout 1s, failure_threshold 2), "
                + "probes.progress {engine: reference, stall_after: " + stallAfterS + "s, timeout: 2s}; "
                + "reference runtime --engine-threads 2 --fault-endpoints; started " + Instant.now());
        HangBenchmark bench = new HangBenchmark(stallAfterS, schedule);
        if (steps.contains("detect")) {
            bench.detection(dir.resolve("detect"), rounds);
        }
        if (steps.contains("healthy")) {
            bench.healthyRun(dir.resolve("healthy"), minutes, idleS);
        }
        System.out.println();
        System.out.println("load average at end: " + ProcStat.loadAverage() + "; ended " + Instant.now());
        System.exit(0); // client threads blocked on a hung engine must not keep this JVM
    }

    // ---------------------------------------------------------------------------------------------- detection

    private void detection(Path dir, int rounds) throws Exception {
        Files.createDirectories(dir);
        System.out.println();
        System.out.println("== detection of a hung engine (/health stays 200): " + rounds + " rounds, 2 clients (load average "
                + ProcStat.loadAverage() + ")");
        int port = TestServer.freePort();
        ConfigFile config = config(dir, port);
        Clients clients = new Clients(port);
        List<Long> detection = new ArrayList<>();
        List<Long> recovery = new ArrayList<>();
        List<String> wrong = new ArrayList<>();
        try (DaemonProcess d = DaemonProcess.startWithLauncher(config.write(), config.audit())) {
            try {
                clients.start(2);
                for (int i = 1; i <= rounds; i++) {
                    long gen = i;
                    JsonNode healthy = d.awaitHealthy(gen, T);
                    Instant healthyAt = Instant.parse(healthy.get("ts").asText());
                    double steps0 = ReferenceMetrics.value(port, "reference_engine_steps_total");
                    Await.until(T, "generation " + gen + " serving the clients for " + TRAFFIC_BEFORE_HANG.toSeconds() + " s",
                            () -> Instant.now().isAfter(healthyAt.plus(TRAFFIC_BEFORE_HANG))
                                    && ReferenceMetrics.value(port, "reference_engine_steps_total") >= steps0 + 5);
                    long served = clients.ok.get();
                    Instant hungAt = Instant.now();
                    String answer = post(port, "/admin/fault/hang");
                    Instant answered = Instant.now();
                    JsonNode decided = d.await("restart_decided", e -> e.get("generation").asLong() == gen, T);
                    long ms = Instant.parse(decided.get("ts").asText()).toEpochMilli() - hungAt.toEpochMilli();
                    JsonNode next = d.awaitHealthy(gen + 1, T);
                    long back = Instant.parse(next.get("ts").asText()).toEpochMilli() - hungAt.toEpochMilli();
                    String reason = decided.path("reason").asText();
                    if (!reason.equals("stalled")) {
                        wrong.add("round " + i + ": " + decided);
                    } else {
                        detection.add(ms);
                        recovery.add(back);
                    }
                    System.out.printf(Locale.ROOT, "round %2d: generation %d pid %d; hang posted %s (answered in %d ms: %s);"
                                    + " restart_decided %s reason %s pending %s stalled_for_s %s -> detection %.3f s;"
                                    + " generation %d healthy %.3f s after the hang; load %s%n",
                            i, gen, healthy.get("pid").asLong(), hungAt, Duration.between(hungAt, answered).toMillis(),
                            hangState(answer), decided.get("ts").asText(), reason, decided.path("pending").asText(),
                            decided.path("stalled_for_s").asText(), ms / 1000.0, gen + 1, back / 1000.0, loadAverage1());
                    if (clients.ok.get() == served) {
                        System.out.println("  (no request completed between the traffic check and the hang)");
                    }
                }
                clients.stop();
                System.out.println("restart_decided records: " + d.all("restart_decided").size() + " for " + rounds
                        + " hangs; by reason: " + reasons(d.all("restart_decided")));
                System.out.println("audit records by event (probe_failed would be the HTTP health probe failing: the"
                        + " hung engine's /health stays 200): " + events(d.events()));
                System.out.println("requests served by the clients over the rounds: " + clients.ok.get() + " (failed or"
                        + " cut by a restart: " + clients.failed.get() + ")");
                System.out.println("glyphctl status after the last round:\n" + status(dir));
            } finally {
                clients.stop();
                d.closeWithServers();
            }
        }
        System.out.println();
        if (!wrong.isEmpty()) {
            System.out.println("ROUNDS WITH ANOTHER REASON THAN stalled: " + wrong);
        }
        if (detection.isEmpty()) {
            System.out.println("no stalled detection measured");
            return;
        }
        long bound = (stallAfterS + 1) * 1000L;
        System.out.println("detection (ms, n=" + detection.size() + "): p50 " + Stats.percentile(detection, 50) + ", p95 "
                + Stats.percentile(detection, 95) + ", p99 " + Stats.percentile(detection, 99) + ", max "
                + Collections.max(detection) + ", min " + Collections.min(detection) + "; sorted " + sorted(detection));
        System.out.println("hang -> next generation healthy (ms): " + Stats.summary(recovery));
        System.out.printf(Locale.ROOT, "target p99 <= 12000 ms (stall_after %d s + one probe period + slack): %s;"
                        + " min >= stall_after (%d ms): %s; rounds within stall_after + one probe period (%d ms): %d of %d%n",
                stallAfterS, Stats.percentile(detection, 99) <= 12_000 ? "MET" : "MISSED", stallAfterS * 1000L,
                Collections.min(detection) >= stallAfterS * 1000L ? "yes" : "NO",
                bound, detection.stream().filter(v -> v <= bound).count(), detection.size());
    }

    // ---------------------------------------------------------------------------------------------- healthy run

    private void healthyRun(Path dir, int minutes, int idleS) throws Exception {
        Files.createDirectories(dir);
        System.out.println();
        System.out.println("== " + minutes + " min of healthy traffic: short bursts, long requests (> stall_after), idle gaps of "
                + idleS + " s (load average " + ProcStat.loadAverage() + ")");
        int port = TestServer.freePort();
        ConfigFile config = config(dir, port);
        Clients clients = new Clients(port);
        long flatChecks = 0;
        long flatHeld = 0;
        int cycles = 0;
        try (DaemonProcess d = DaemonProcess.startWithLauncher(config.write(), config.audit())) {
            try {
                d.awaitHealthy(1, T);
                long end = System.nanoTime() + TimeUnit.MINUTES.toNanos(minutes);
                while (System.nanoTime() < end) {
                    cycles++;
                    // 1. busy: two clients, short requests back to back
                    clients.start(2);
                    Thread.sleep(20_000); // a traffic phase of fixed length, not a wait for a condition
                    clients.stop();
                    // 2. one long request whose steps move; request-end totals flat while it runs alone
                    boolean fine = cycles % 2 == 1;
                    int stepMs = fine ? 400 : 2500;
                    int inputs = fine ? 45 : 7;
                    post(port, "/admin/fault/slow?step_ms=" + stepMs);
                    double totals0 = ReferenceMetrics.value(port, "reference_requests_total");
                    AtomicLong longMs = new AtomicLong(-1);
                    Thread longRequest = new Thread(() -> {
                        long t0 = System.nanoTime();
                        boolean answered = clients.request(inputs, Duration.ofSeconds(120));
                        longMs.set(answered ? (System.nanoTime() - t0) / 1_000_000 : -1);
                    }, "long-request");
                    longRequest.start();
                    Thread.sleep(12_000); // alone for longer than stall_after
                    flatChecks++;
                    double totals1 = ReferenceMetrics.value(port, "reference_requests_total");
                    boolean flat = totals1 == totals0 && longRequest.isAlive();
                    if (flat) {
                        flatHeld++;
                    }
                    clients.start(1); // short requests beside it, until it ends
                    longRequest.join(TimeUnit.SECONDS.toMillis(120));
                    clients.stop();
                    post(port, "/admin/fault/clear");
                    System.out.printf(Locale.ROOT, "cycle %2d: long request %d inputs x %d ms: %s (request-end total"
                                    + " flat for its first 12 s: %s); restarts so far %d; served %d; load %s%n",
                            cycles, inputs, stepMs, longMs.get() < 0 ? "NOT ANSWERED 200" : longMs.get() / 1000.0 + " s",
                            flat ? "yes" : "no", d.all("restart_decided").size(), clients.ok.get(), loadAverage1());
                    // 3. idle: no request at all for longer than stall_after
                    if (System.nanoTime() < end) {
                        Thread.sleep(idleS * 1000L); // the idle gap itself
                    }
                }
                System.out.println();
                List<JsonNode> restarts = d.all("restart_decided");
                long launches = d.all("runtime_launched").size();
                System.out.println("healthy run: " + cycles + " cycles in " + minutes + " min");
                System.out.println("restarts (restart_decided): " + restarts.size() + (restarts.isEmpty() ? "" : " " + restarts)
                        + "; runtime_launched: " + launches + " (1 = the first start only)");
                System.out.println("target zero restarts: " + (restarts.isEmpty() && launches == 1 ? "MET" : "MISSED"));
                System.out.println("requests served: " + clients.ok.get() + " (failed: " + clients.failed.get() + ")");
                System.out.printf(Locale.ROOT, "longest request: %.1f s (%s); longest idle gap (no request in flight): %.1f s%n",
                        clients.longestMs.get() / 1000.0, clients.longestWhat, clients.longestIdleMs.get() / 1000.0);
                System.out.println("request-end total flat for 12 s while a long request ran: " + flatHeld + " of " + flatChecks
                        + " long requests");
                System.out.println("audit records by event: " + events(d.events()));
                System.out.println("glyphctl status at the end:\n" + status(dir));
            } finally {
                clients.stop();
                d.closeWithServers();
            }
        }
    }

    // ---------------------------------------------------------------------------------------------- helpers

    private ConfigFile config(Path dir, int port) {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String command = "[\"" + java + "\", \"-Xmx256m\", \"-jar\", \"" + JAR + "\", \"--port\", \"" + port
                + "\", \"--engine-threads\", \"2\", \"--fault-endpoints\"]";
        return new ConfigFile(dir, port, command).set("schedule", schedule).set("startup_timeout", "60s")
                .set("max_restarts", "1000").set("window", "1m")
                .set("memory", "  progress: {engine: reference, stall_after: " + stallAfterS + "s, timeout: 2s}\n");
    }

    /** Client threads sending embeddings to the reference runtime, and what they saw. */
    private static final class Clients {
        private final int port;
        private final List<Thread> threads = new ArrayList<>();
        private final AtomicBoolean on = new AtomicBoolean();
        final AtomicLong ok = new AtomicLong();
        final AtomicLong failed = new AtomicLong();
        final AtomicLong longestMs = new AtomicLong();
        volatile String longestWhat = "none";
        final AtomicLong longestIdleMs = new AtomicLong();
        private final AtomicInteger inFlight = new AtomicInteger();
        /** When the last request in flight ended (nanoTime); 0 before the first. */
        private final AtomicLong idleSince = new AtomicLong();

        Clients(int port) {
            this.port = port;
        }

        void start(int n) {
            on.set(true);
            for (int i = 0; i < n; i++) {
                Thread t = new Thread(() -> {
                    while (on.get()) {
                        if (!request(1, Duration.ofSeconds(30))) {
                            try {
                                Thread.sleep(100); // the server restarts: do not spin on refused connections
                            } catch (InterruptedException e) {
                                return;
                            }
                        }
                    }
                }, "client-" + threads.size());
                t.setDaemon(true);
                t.start();
                threads.add(t);
            }
        }

        void stop() throws InterruptedException {
            on.set(false);
            for (Thread t : threads) {
                t.join(TimeUnit.SECONDS.toMillis(35));
            }
            threads.clear();
        }

        /** One embeddings request of {@code inputs} unique sentences; true when answered 200. */
        boolean request(int inputs, Duration timeout) {
            StringBuilder body = new StringBuilder("{\"input\": [");
            for (int i = 0; i < inputs; i++) {
                body.append(i == 0 ? "" : ", ").append("\"sentence ").append(i).append(' ').append(System.nanoTime()).append('"');
            }
            body.append("]}");
            long t0 = System.nanoTime();
            if (inFlight.getAndIncrement() == 0) {
                long since = idleSince.get();
                if (since != 0) {
                    longestIdleMs.accumulateAndGet((t0 - since) / 1_000_000, Math::max);
                }
            }
            try {
                HttpResponse<Void> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/embeddings"))
                        .timeout(timeout).header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(), HttpResponse.BodyHandlers.discarding());
                long ms = (System.nanoTime() - t0) / 1_000_000;
                if (r.statusCode() == 200) {
                    ok.incrementAndGet();
                    if (longestMs.accumulateAndGet(ms, Math::max) == ms) {
                        longestWhat = inputs + " input" + (inputs == 1 ? "" : "s");
                    }
                    return true;
                }
                failed.incrementAndGet();
                return false;
            } catch (IOException e) {
                failed.incrementAndGet(); // the server is being restarted, or the request timed out on a hung engine
                return false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            } finally {
                if (inFlight.decrementAndGet() == 0) {
                    idleSince.set(System.nanoTime());
                }
            }
        }
    }

    private static String post(int port, String path) throws IOException, InterruptedException {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .POST(HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IllegalStateException(path + " answered " + r.statusCode() + ": " + r.body());
        }
        return r.body();
    }

    private static String hangState(String answer) {
        int i = answer.indexOf("\"hang\"");
        return i < 0 ? answer : answer.substring(i, Math.min(answer.length(), answer.indexOf(',', i) < 0 ? answer.length() : answer.indexOf(',', i)));
    }

    /** {@code bin/glyphctl status --config F} as a user runs it: its output. */
    private static String status(Path dir) throws Exception {
        Path out = dir.resolve("status.out");
        Path file = dir.resolve("supervisor.yaml");
        Process p = new ProcessBuilder(DaemonProcess.LAUNCHER.toString(), "status", "--config", file.toString())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).redirectErrorStream(true)
                .redirectOutput(out.toFile()).start();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return "(glyphctl status did not end in 30 s)";
        }
        return Files.readString(out, StandardCharsets.UTF_8).stripTrailing();
    }

    private static Map<String, Integer> reasons(List<JsonNode> decided) {
        Map<String, Integer> m = new TreeMap<>();
        decided.forEach(e -> m.merge(e.path("reason").asText(), 1, Integer::sum));
        return m;
    }

    private static Map<String, Integer> events(List<JsonNode> records) {
        Map<String, Integer> m = new TreeMap<>();
        records.forEach(e -> m.merge(e.path("event").asText(), 1, Integer::sum));
        return m;
    }

    private static List<Long> sorted(List<Long> values) {
        List<Long> s = new ArrayList<>(values);
        Collections.sort(s);
        return s;
    }

    private static String loadAverage1() {
        String all = ProcStat.loadAverage();
        int space = all.indexOf(' ');
        return space < 0 ? all : all.substring(0, space);
    }

    private static String cpuModel() {
        try (var lines = Files.lines(Path.of("/proc/cpuinfo"))) {
            return lines.filter(l -> l.startsWith("model name")).findFirst().map(l -> l.substring(l.indexOf(':') + 1).trim())
                    .orElse("unknown cpu");
        } catch (IOException e) {
            return "unknown cpu";
        }
    }
}
