import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Benchmarks the reference runtime's jar from a second JVM (run by bench.sh as a source-file program,
 * JDK classes only): starts the server, times it to a 200 from /health, reads its RSS, then drives
 * single-sentence POST /v1/embeddings requests, each sentence new (no --cache-dir, and no sentence
 * repeats), from 1 client and then from several, and prints throughput and latency percentiles.
 *
 * <p>Usage: java Bench.java JAR [seconds-per-run] [clients...]
 */
public class Bench {

    private static final String[] SUBJECTS = {"The cat", "A supervisor", "The GPU", "Our team", "The river",
            "A small model", "The scheduler", "Every server"};
    private static final String[] VERBS = {"watches", "restarts", "measures", "crosses", "ignores", "embeds",
            "reports", "forgets"};
    private static final String[] OBJECTS = {"the mat", "a crashed process", "the memory limit", "the old bridge",
            "a quarterly report", "thousands of sentences", "the audit log", "an idle port"};

    public static void main(String[] args) throws Exception {
        Path jar = Path.of(args.length > 0 ? args[0] : "target/reference-runtime.jar");
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        List<Integer> clientCounts = new ArrayList<>();
        for (int i = 2; i < args.length; i++) {
            clientCounts.add(Integer.parseInt(args[i]));
        }
        if (clientCounts.isEmpty()) {
            clientCounts = List.of(1, 2, 4);
        }

        Path log = Files.createTempFile("reference-bench", ".log");
        long launched = System.nanoTime();
        Process server = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", jar.toString(), "--port", "0")
                .redirectOutput(log.toFile()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try {
            HttpClient client = HttpClient.newHttpClient();
            String base = "http://127.0.0.1:" + port(log);
            while (status(client, base + "/health") != 200) {
                Thread.sleep(10);
            }
            double loadSeconds = (System.nanoTime() - launched) / 1e9;
            System.out.printf(Locale.ROOT, "load: %.2f s from launch to /health 200 (server says: %s)%n",
                    loadSeconds, loadLine(client, base));
            System.out.printf(Locale.ROOT, "rss after load: %d MB%n", rssKb(server.pid()) / 1024);

            AtomicLong sentence = new AtomicLong();
            run(client, base, sentence, 1, 3, false); // warm-up: JIT, session, connections
            for (int clients : clientCounts) {
                run(client, base, sentence, clients, seconds, true);
            }
            System.out.printf(Locale.ROOT, "rss after the runs: %d MB (%d sentences embedded)%n",
                    rssKb(server.pid()) / 1024, sentence.get());
        } finally {
            server.destroy();
            server.waitFor();
            Files.deleteIfExists(log);
        }
    }

    private static void run(HttpClient client, String base, AtomicLong sentence, int clients, int seconds,
                            boolean print) throws Exception {
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        List<Future<List<Long>>> results = new ArrayList<>();
        long start = System.nanoTime();
        for (int c = 0; c < clients; c++) {
            results.add(pool.submit(() -> {
                List<Long> latencies = new ArrayList<>();
                while (System.nanoTime() < end) {
                    String body = "{\"input\":\"" + sentence(sentence.getAndIncrement()) + "\"}";
                    long t0 = System.nanoTime();
                    HttpResponse<String> response = client.send(HttpRequest.newBuilder(URI.create(base + "/v1/embeddings"))
                            .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
                    latencies.add(System.nanoTime() - t0);
                    if (response.statusCode() != 200) {
                        throw new IllegalStateException(response.statusCode() + " " + response.body());
                    }
                }
                return latencies;
            }));
        }
        List<Long> all = new ArrayList<>();
        for (Future<List<Long>> result : results) {
            all.addAll(result.get());
        }
        double elapsed = (System.nanoTime() - start) / 1e9;
        pool.shutdown();
        if (!print) {
            return;
        }
        Collections.sort(all);
        System.out.printf(Locale.ROOT, "%d client(s): %d requests in %.1f s = %.1f embeddings/s; latency p50 %.1f ms, p99 %.1f ms%n",
                clients, all.size(), elapsed, all.size() / elapsed, percentile(all, 50), percentile(all, 99));
    }

    /** A different sentence for every n, so neither a cache nor a repeated input flatters the numbers. */
    private static String sentence(long n) {
        int s = (int) (n % SUBJECTS.length);
        int v = (int) (n / SUBJECTS.length % VERBS.length);
        int o = (int) (n / (SUBJECTS.length * VERBS.length) % OBJECTS.length);
        return SUBJECTS[s] + " " + VERBS[v] + " " + OBJECTS[o] + " at minute " + n + ".";
    }

    private static double percentile(List<Long> sorted, int p) {
        int index = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, index)) / 1e6;
    }

    private static int port(Path log) throws Exception {
        Pattern listening = Pattern.compile("listening on http://[^:]+:(\\d+)");
        for (int i = 0; i < 6000; i++) {
            Matcher m = listening.matcher(Files.readString(log));
            if (m.find()) {
                return Integer.parseInt(m.group(1));
            }
            Thread.sleep(10);
        }
        throw new IllegalStateException("the server never logged its port: " + Files.readString(log));
    }

    private static int status(HttpClient client, String url) throws InterruptedException {
        try {
            return client.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        }
    }

    private static String loadLine(HttpClient client, String base) throws Exception {
        String body = client.send(HttpRequest.newBuilder(URI.create(base + "/health")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        Matcher m = Pattern.compile("\"load_ms\":(\\d+)").matcher(body);
        return m.find() ? "model loaded in " + m.group(1) + " ms" : body;
    }

    private static long rssKb(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D", ""));
            }
        }
        throw new IllegalStateException("no VmRSS for pid " + pid);
    }
}
