package dev.glyphsupervisor.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import dev.glyphsupervisor.core.ProgressWatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The progress and inference probes on real processes: the reference runtime with its fault endpoints (its engine
 * really hangs, fails or slows down while /health stays green) and a real client sending traffic, supervised by a
 * real daemon; and a Python server whose /metrics the test writes (a counter that goes back, no metrics at all).
 */
class ProgressProbeTest {

    private static final Duration T = Duration.ofSeconds(90);
    private static final Path JAR = Path.of(System.getProperty("basedir", "."), "..", "model-runtime", "reference",
            "target", "reference-runtime.jar").toAbsolutePath().normalize();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @TempDir
    Path dir;

    private DaemonProcess daemon;
    private final List<Thread> clients = new ArrayList<>();
    private final AtomicBoolean trafficOn = new AtomicBoolean();

    @AfterEach
    void cleanUp() throws InterruptedException {
        trafficOn.set(false);
        if (daemon != null) {
            daemon.closeWithServers();
        }
        for (Thread t : clients) {
            t.join(Duration.ofSeconds(35).toMillis());
        }
    }

    /** The reference runtime with its fault endpoints, probed every {@code schedule}, with these probe lines. */
    private ConfigFile reference(int port, String schedule, String probeLines) {
        assertTrue(Files.exists(JAR), "the reference runtime's jar is built before this module: " + JAR);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String command = "[\"" + java + "\", \"-Xmx256m\", \"-jar\", \"" + JAR + "\", \"--port\", \"" + port
                + "\", \"--fault-endpoints\"]";
        return new ConfigFile(dir, port, command).set("schedule", schedule).set("startup_timeout", "60s")
                .set("memory", probeLines);
    }

    private static String progress(String stallAfter) {
        return "  progress: {engine: reference, stall_after: " + stallAfter + ", timeout: 2s}\n";
    }

    @Test
    void aHungEngineUnderTrafficIsRestartedAsStalledWithinStallAfterAndOneProbePeriod() throws Exception {
        int port = TestServer.freePort();
        daemon = DaemonProcess.start(reference(port, "1s", progress("5s")).write(), dir.resolve("log/audit.jsonl"));
        daemon.awaitHealthy(1, T);
        traffic(port, 2);
        double before = ReferenceMetrics.value(port, "reference_engine_steps_total");
        Await.until(T, "the clients' requests being served", () -> ReferenceMetrics.value(port, "reference_engine_steps_total") >= before + 5);

        Instant hang = Instant.now();
        post(port, "/admin/fault/hang");
        JsonNode decided = daemon.await("restart_decided", T);
        Duration detection = Duration.between(hang, Instant.parse(decided.get("ts").asText()));

        assertEquals("stalled", decided.get("reason").asText(), daemon.describe());
        assertTrue(decided.get("pending").asDouble() >= 1, decided.toString());
        assertTrue(decided.get("stalled_for_s").asDouble() * 1000 >= 5000 - ProgressWatch.TOLERANCE.toMillis(), decided.toString());
        // Not before the counter has been flat for stall_after: its last move was seen at most one probe period before
        // the hang (the clock starts at that reading), so no sooner than stall_after - 1 s after the POST; and at most
        // stall_after + one probe period after it, with slack for a loaded machine.
        assertTrue(detection.compareTo(Duration.ofSeconds(5 - 1)) >= 0, "detected after " + detection);
        assertTrue(detection.compareTo(Duration.ofSeconds(5 + 1 + 3)) <= 0, "detected after " + detection);
        daemon.awaitHealthy(2, T);
        Await.until(T, "generation 2 serving the clients", () -> ReferenceMetrics.value(port, "reference_engine_steps_total") > 0);
        assertEquals(1, daemon.all("restart_decided").size(), daemon.describe());
    }

    @Test
    void anIdleServerABusyOneAndOneLongHealthyRequestAreNeverStalled() throws Exception {
        int port = TestServer.freePort();
        daemon = DaemonProcess.start(reference(port, "500ms", progress("4s")).write(), dir.resolve("log/audit.jsonl"));
        daemon.awaitHealthy(1, T);

        // Idle for twice stall_after: nothing pending, the counter flat.
        observe(Duration.ofSeconds(8));

        // Busy: clients keep the engine stepping for twice stall_after.
        traffic(port, 2);
        observe(Duration.ofSeconds(8));
        stopTraffic(); // every client's last request answered before the request-end total is read below

        // One long request: 40 inputs at 250 ms a step, 10 s, while the request-end totals stay flat.
        post(port, "/admin/fault/slow?step_ms=250");
        double requestsBefore = ReferenceMetrics.value(port, "reference_requests_total");
        Instant start = Instant.now();
        Thread slow = new Thread(() -> embed(port, 40, Duration.ofSeconds(60)));
        slow.start();
        Await.until(T, "the long request running for 6 s", () -> Duration.between(start, Instant.now()).compareTo(Duration.ofSeconds(6)) >= 0
                && ReferenceMetrics.value(port, "reference_requests_running") >= 1);
        assertEquals(requestsBefore, ReferenceMetrics.value(port, "reference_requests_total"),
                "a request-end total sat still for longer than stall_after through a healthy request");
        slow.join(Duration.ofSeconds(60).toMillis());
        assertTrue(ReferenceMetrics.value(port, "reference_requests_total") > requestsBefore, "the long request completed");

        assertEquals(List.of(), daemon.all("restart_decided"), daemon.describe());
    }

    @Test
    void inferenceErrorsRestartAfterTheThresholdAndSlowAnswersAreOnlyReported() throws Exception {
        int port = TestServer.freePort();
        String inference = "  inference: {url: \"http://127.0.0.1:" + port + "/v1/embeddings\", body: '{\"input\": [\"ping\"]}',"
                + " expect_json: {pointer: /data/0/embedding/0}, timeout: 5s, slow_after: 400ms, schedule: 1s,"
                + " failure_threshold: 2}\n";
        daemon = DaemonProcess.start(reference(port, "1s", progress("30s") + inference).write(),
                dir.resolve("log/audit.jsonl"));
        daemon.awaitHealthy(1, T);

        post(port, "/admin/fault/slow?step_ms=700");
        Await.until(T, "three slow answers reported", () -> daemon.all("inference_slow").size() >= 3);
        assertEquals(List.of(), daemon.all("restart_decided"), "slow is reported, not restarted");
        JsonNode slow = daemon.all("inference_slow").get(0);
        assertTrue(slow.get("latency_ms").asLong() >= 700, slow.toString());
        assertEquals(false, slow.get("restart").asBoolean());

        post(port, "/admin/fault/clear");
        post(port, "/admin/fault/error");
        JsonNode decided = daemon.await("restart_decided", T);
        assertEquals("inference_failed", decided.get("reason").asText(), daemon.describe());
        assertEquals(2, decided.get("failures").asInt());
        assertEquals(500, decided.get("status").asInt());
        assertTrue(decided.get("detail").asText().contains("status 500"), decided.toString());
        daemon.awaitHealthy(2, T);
    }

    /** A server whose /metrics says what the file beside it says (404 while there is no file). */
    private static final String METRICS_SERVER = """
            import http.server, os, sys
            port, file = int(sys.argv[1]), sys.argv[2]
            class H(http.server.BaseHTTPRequestHandler):
                def log_message(self, *a): pass
                def do_GET(self):
                    print("GET " + self.path, flush=True)
                    if self.path == "/health":
                        body, status = b"ok", 200
                    elif self.path == "/metrics" and os.path.exists(file):
                        body, status = open(file, "rb").read(), 200
                    else:
                        body, status = b"no metrics here", 404
                    self.send_response(status)
                    self.send_header("Content-Type", "text/plain; version=0.0.4")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
            http.server.ThreadingHTTPServer(("127.0.0.1", port), H).serve_forever()
            """;

    @Test
    void aCounterThatGoesBackIsRecountedAndMissingMetricsAreUnknownNeverARestart() throws Exception {
        int port = TestServer.freePort();
        Path script = Files.writeString(dir.resolve("metrics_server.py"), METRICS_SERVER);
        Path metrics = dir.resolve("metrics.txt");
        writeMetrics(metrics, 0, 5000);
        String command = "[\"python3\", \"" + script + "\", \"" + port + "\", \"" + metrics + "\"]";
        String probe = "  progress: {pending: [my_running], progress: my_steps_total, stall_after: 3s, timeout: 1s}\n";
        ConfigFile config = new ConfigFile(dir, port, command).set("schedule", "300ms").set("memory", probe);
        daemon = DaemonProcess.start(config.write(), config.audit());
        daemon.awaitHealthy(1, T);

        // Idle (nothing pending): the counter's first value is read before it goes back.
        Await.until(T, "two scrapes of the counter at 5000", () -> scrapes(config.runtimeLog()) >= 2);
        writeMetrics(metrics, 0, 3); // the server restarted its engine behind our back
        JsonNode reset = daemon.await("progress_reset", T);
        assertEquals(3.0, reset.get("counter").asDouble(), reset.toString());

        Files.delete(metrics);
        JsonNode unknown = daemon.await("progress_unknown", T);
        assertTrue(unknown.get("detail").asText().contains("404"), unknown.toString());
        observe(Duration.ofSeconds(5)); // longer than stall_after, without metrics
        assertEquals(1, daemon.all("progress_unknown").size(), "one record when it starts, not one per cycle");
        assertEquals(List.of(), daemon.all("restart_decided"), daemon.describe());

        writeMetrics(metrics, 0, 19);
        daemon.await("progress_known", T);
    }

    /** How many times the test server's /metrics was asked for (it logs each request). */
    private static long scrapes(Path log) {
        try (var lines = Files.lines(log)) {
            return lines.filter(l -> l.equals("GET /metrics")).count();
        } catch (IOException e) {
            return 0;
        }
    }

    private static void writeMetrics(Path file, double pending, double steps) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, "# TYPE my_running gauge\nmy_running " + pending + "\n# TYPE my_steps_total counter\n"
                + "my_steps_total{engine=\"0\"} " + steps + "\n");
        Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    /**
     * A window in which nothing may be restarted: the probes run many times over it (the point is that they see the
     * situation, not that something happens), and the audit is read afterwards.
     */
    private void observe(Duration window) throws InterruptedException {
        Thread.sleep(window.toMillis());
        assertEquals(List.of(), daemon.all("restart_decided"), daemon.describe());
    }

    private void stopTraffic() throws InterruptedException {
        trafficOn.set(false);
        for (Thread t : clients) {
            t.join(Duration.ofSeconds(35).toMillis());
        }
        clients.clear();
    }

    /** {@code n} clients sending one-sentence embeddings back to back until the test ends (errors ignored). */
    private void traffic(int port, int n) {
        trafficOn.set(true);
        AtomicInteger sent = new AtomicInteger();
        for (int i = 0; i < n; i++) {
            Thread t = new Thread(() -> {
                while (trafficOn.get()) {
                    embed(port, 1, Duration.ofSeconds(30));
                    sent.incrementAndGet();
                }
            }, "client-" + i);
            t.setDaemon(true);
            t.start();
            clients.add(t);
        }
    }

    private static void embed(int port, int inputs, Duration timeout) {
        StringBuilder body = new StringBuilder("{\"input\": [");
        for (int i = 0; i < inputs; i++) {
            body.append(i == 0 ? "" : ", ").append("\"sentence ").append(i).append(' ').append(System.nanoTime()).append('"');
        }
        body.append("]}");
        try {
            HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/embeddings")).timeout(timeout)
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(), HttpResponse.BodyHandlers.discarding());
        } catch (IOException e) {
            // the server is being restarted, or the request timed out on a hung engine: the client goes on
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void post(int port, String path) throws IOException, InterruptedException {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .POST(HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), path + ": " + r.body());
    }
}
