package dev.glyphsupervisor.probes.progress;

import com.sun.net.httpserver.HttpServer;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The CPU cost of one progress scrape of a vLLM-sized /metrics (issue 16's target: 2 ms CPU at most),
 * against a real local HttpServer. Not a unit test: run it by hand on a quiet machine.
 *
 * <pre>
 * ./mvnw -B -q -o -pl probes test-compile exec:java -Dexec.classpathScope=test \
 *     -Dexec.mainClass=dev.glyphsupervisor.probes.progress.ScrapeBenchmark [-Dexec.args="ENGINES WARMUP SCRAPES"]
 * </pre>
 *
 * The hang benchmark of issue 16 runs it too ({@code ./mvnw -B -q -Phang-bench -pl supervisor -am verify -DskipTests},
 * the profile in this module's pom; figures in docs/performance.md, "Hang detection (issue 16)").
 *
 * Prints the exposition's size and series count, the scraping thread's CPU per scrape (mean, p50,
 * p99, max; ThreadMXBean, so the server's side is not in it), its allocation per scrape, the whole
 * process's CPU per scrape (server, GC and JIT included), and the parse alone.
 */
public final class ScrapeBenchmark {

    private ScrapeBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        System.setProperty("sun.net.httpserver.nodelay", "true");
        int engines = args.length > 0 ? Integer.parseInt(args[0]) : 2;
        int warmup = args.length > 1 ? Integer.parseInt(args[1]) : 3000;
        int scrapes = args.length > 2 ? Integer.parseInt(args[2]) : 5000;

        // Texts made up front, so the server's CPU per answer is only the sending.
        byte[][] texts = new byte[16][];
        for (int i = 0; i < texts.length; i++) {
            texts[i] = VllmExposition.text(engines, i).getBytes(StandardCharsets.UTF_8);
        }
        AtomicLong served = new AtomicLong();
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
        server.setExecutor(Executors.newSingleThreadExecutor());
        server.createContext("/metrics", ex -> {
            byte[] body = texts[(int) (served.getAndIncrement() % texts.length)];
            ex.getResponseHeaders().add("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
            ex.sendResponseHeaders(200, body.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        try {
            run(server, texts[0], engines, warmup, scrapes);
        } finally {
            server.stop(0);
            System.exit(0); // the server's executor thread is not a daemon
        }
    }

    private static void run(HttpServer server, byte[] sample, int engines, int warmup, int scrapes) throws Exception {
        URI url = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/metrics");
        ProgressScraper scraper = new ProgressScraper(url, Duration.ofSeconds(5), Engine.VLLM.metrics());
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        int series = ((Scrape.Sample) scraper.scrape()).series();
        System.out.printf(Locale.ROOT, "exposition: %d series, %d bytes (%d engines); java %s, %d cpus%n",
                series, sample.length, engines, System.getProperty("java.version"), Runtime.getRuntime().availableProcessors());

        for (int i = 0; i < warmup; i++) {
            check(scraper.scrape());
        }
        long[] cpu = new long[scrapes];
        long allocated0 = threads.getCurrentThreadAllocatedBytes();
        long process0 = os.getProcessCpuTime();
        long wall0 = System.nanoTime();
        for (int i = 0; i < scrapes; i++) {
            long t0 = threads.getCurrentThreadCpuTime();
            Scrape s = scraper.scrape();
            cpu[i] = threads.getCurrentThreadCpuTime() - t0;
            check(s);
        }
        long wall = System.nanoTime() - wall0;
        long process = os.getProcessCpuTime() - process0;
        long allocated = threads.getCurrentThreadAllocatedBytes() - allocated0;
        long[] sorted = cpu.clone();
        Arrays.sort(sorted);
        double mean = Arrays.stream(cpu).average().orElse(0);
        System.out.printf(Locale.ROOT, "scrape, scraping thread CPU over %d scrapes: mean %.3f ms, p50 %.3f ms, p99 %.3f ms, max %.3f ms%n",
                scrapes, mean / 1e6, sorted[scrapes / 2] / 1e6, sorted[(int) (scrapes * 0.99)] / 1e6, sorted[scrapes - 1] / 1e6);
        System.out.printf(Locale.ROOT, "scrape, allocated by the scraping thread: %.1f KiB per scrape%n", allocated / 1024.0 / scrapes);
        System.out.printf(Locale.ROOT, "scrape, process CPU (client + server + GC + JIT): %.3f ms per scrape; wall %.3f ms per scrape%n",
                process / 1e6 / scrapes, wall / 1e6 / scrapes);

        String text = new String(sample, StandardCharsets.UTF_8);
        java.util.Set<String> wanted = Engine.VLLM.metrics().names();
        for (int i = 0; i < warmup; i++) {
            PrometheusText.parse(text, wanted);
        }
        long p0 = threads.getCurrentThreadCpuTime();
        long a0 = threads.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < scrapes; i++) {
            PrometheusText.parse(text, wanted);
        }
        long parse = threads.getCurrentThreadCpuTime() - p0;
        long parseAlloc = threads.getCurrentThreadAllocatedBytes() - a0;
        System.out.printf(Locale.ROOT, "parse only (wanted names): %.3f ms CPU, %.1f KiB allocated per parse%n",
                parse / 1e6 / scrapes, parseAlloc / 1024.0 / scrapes);
    }

    private static void check(Scrape s) {
        if (!(s instanceof Scrape.Sample)) {
            throw new IllegalStateException("scrape failed: " + s);
        }
    }
}
