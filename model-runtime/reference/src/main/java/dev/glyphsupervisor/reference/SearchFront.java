package dev.glyphsupervisor.reference;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.glyphsupervisor.reference.JsonRouter.Raw;
import dev.glyphsupervisor.reference.JsonRouter.Reply;
import dev.glyphsupervisor.reference.JsonRouter.Request;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A small front end that needs the reference runtime: semantic search over a few sentences. It embeds
 * its corpus through the runtime's {@code POST /v1/embeddings} once, then embeds every query the same
 * way and answers the nearest sentences by cosine similarity. It is the second server of the reference
 * stack ({@code requires: [embeddings]}): real traffic between two supervised servers, not a stub.
 *
 * <p>It listens at once; {@code /health} is 503 until the corpus is embedded (retried with a short
 * backoff while the runtime is down or loading), and 503 again while the last
 * {@value #UNHEALTHY_AFTER} calls to the runtime failed, so a supervisor sees it unhealthy while the
 * runtime is gone. A background check calls the runtime's {@code /health} every few seconds when this
 * front end is unhealthy or idle; one success makes it healthy again.
 */
public final class SearchFront {

    /** Consecutive failed calls to the runtime after which {@code /health} answers 503. */
    static final int UNHEALTHY_AFTER = 3;
    /** How often the background check calls the runtime while unhealthy, or when no call was made for this long. */
    static final Duration RECHECK = Duration.ofSeconds(3);
    static final Duration FIRST_BACKOFF = Duration.ofMillis(200);
    static final Duration MAX_BACKOFF = Duration.ofSeconds(2);
    static final Duration STOP_GRACE = Duration.ofSeconds(5);
    static final int DEFAULT_K = 3;
    static final int MAX_K = 50;
    static final int MAX_QUERY_CHARS = 1000;
    /** Corpus sentences per embeddings request at start, well under the runtime's default 256 inputs. */
    static final int BATCH = 64;
    private static final long MAX_BODY_BYTES = 64 * 1024;
    private static final String NAME = "search-front";

    private final ObjectMapper json;
    private final EmbeddingsClient client;
    private final List<String> corpus;
    private final PrintStream log;
    private final byte[] page;
    private final long startNanos = System.nanoTime();
    private final CountDownLatch stopping = new CountDownLatch(1);
    private final AtomicInteger failures = new AtomicInteger();
    private final Object stateLock = new Object();

    private HttpServer http;
    private ExecutorService workers;
    private JsonRouter router;
    private Thread checker;

    /** The corpus vectors, L2-normalized; null until the corpus has been embedded. */
    private volatile float[][] vectors;
    private volatile String lastFailure;
    private volatile long lastCallNanos = System.nanoTime();
    private volatile int attempts;
    private volatile long embedMillis;

    private SearchFront(ObjectMapper json, EmbeddingsClient client, List<String> corpus, PrintStream log) {
        this.json = json;
        this.client = client;
        this.corpus = corpus;
        this.log = log;
        this.page = resource("search.html");
    }

    public static void main(String[] args) {
        SearchOptions options;
        List<String> corpus;
        try {
            options = SearchOptions.parse(args);
            if (options.help()) {
                System.out.print(SearchOptions.USAGE);
                return;
            }
            corpus = options.corpus().isPresent() ? Corpus.read(options.corpus().get()) : Corpus.BUILT_IN;
        } catch (UsageException e) {
            System.err.println(NAME + ": " + e.getMessage() + " (see --help)");
            System.exit(2);
            return;
        }
        SearchFront front;
        try {
            front = start(options, corpus, System.out);
        } catch (IOException e) {
            System.err.println(NAME + ": cannot listen on " + options.host() + ":" + options.port() + ": " + e.getMessage());
            System.exit(1);
            return;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(front::stop, "shutdown"));
    }

    /** Binds the port, starts embedding the corpus in the background, and returns at once. */
    static SearchFront start(SearchOptions options, List<String> corpus, PrintStream log) throws IOException {
        InetSocketAddress address = new InetSocketAddress(options.host(), options.port());
        if (address.isUnresolved()) {
            throw new IOException("cannot resolve host '" + options.host() + "'");
        }
        System.setProperty("sun.net.httpserver.nodelay", "true"); // see ReferenceServer.start
        ObjectMapper json = new ObjectMapper();
        SearchFront front = new SearchFront(json, new EmbeddingsClient(options.embeddings(), options.timeout(), json),
                List.copyOf(corpus), log);
        front.http = HttpServer.create(address, 0);
        front.router = new JsonRouter(json, MAX_BODY_BYTES, log)
                .routeRequest("GET", "/", front::page)
                .routeRequest("GET", "/health", front::health)
                .routeRequest("GET", "/search", front::searchGet)
                .routeRequest("POST", "/search", front::searchPost);
        front.http.createContext("/", front.router);
        front.workers = Executors.newFixedThreadPool(options.threads(), runnable -> {
            Thread thread = new Thread(runnable, "http-" + runnable.hashCode());
            thread.setDaemon(true);
            return thread;
        });
        front.http.setExecutor(front.workers);
        front.http.start();
        log.printf("%s listening on http://%s:%d (corpus %d sentences; embeddings %s)%n", NAME, options.host(),
                front.port(), corpus.size(), options.embeddings());
        front.checker = new Thread(front::checkLoop, "embeddings-check");
        front.checker.setDaemon(true);
        front.checker.start();
        return front;
    }

    int port() {
        return http.getAddress().getPort();
    }

    /** Graceful stop: refuse new requests, let those in flight finish (bounded), close the socket. */
    void stop() {
        stopping.countDown();
        try {
            int left = router.drain(STOP_GRACE);
            http.stop(0);
            workers.shutdown();
            workers.awaitTermination(1, TimeUnit.SECONDS);
            checker.interrupt();
            log.println(left == 0 ? NAME + " stopped" : NAME + " stopped; " + left + " request(s) were cut off after "
                    + STOP_GRACE.toSeconds() + "s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ---- the background: embed the corpus, then watch the runtime while unhealthy or idle ----

    private void checkLoop() {
        Duration backoff = FIRST_BACKOFF;
        while (vectors == null) {
            attempts++;
            try {
                long start = System.nanoTime();
                vectors = embedCorpus();
                embedMillis = (System.nanoTime() - start) / 1_000_000;
                log.printf("corpus embedded: %d sentences in %d ms (attempt %d)%n", corpus.size(), embedMillis, attempts);
            } catch (EmbeddingsClient.Failure e) {
                if (waitForStop(backoff)) {
                    return;
                }
                backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
            }
        }
        while (!waitForStop(RECHECK)) {
            boolean idle = System.nanoTime() - lastCallNanos >= RECHECK.toNanos();
            if (failures.get() >= UNHEALTHY_AFTER || idle) {
                try {
                    call(() -> {
                        client.health();
                        return null;
                    });
                } catch (EmbeddingsClient.Failure e) {
                    // counted and logged by call()
                }
            }
        }
    }

    /** Waits up to {@code d}; true when the front end is stopping. */
    private boolean waitForStop(Duration d) {
        try {
            return stopping.await(d.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            return true;
        }
    }

    private float[][] embedCorpus() throws EmbeddingsClient.Failure {
        float[][] result = new float[corpus.size()][];
        for (int from = 0; from < corpus.size(); from += BATCH) {
            List<String> batch = corpus.subList(from, Math.min(corpus.size(), from + BATCH));
            List<float[]> embedded = call(() -> client.embed(batch));
            for (int i = 0; i < embedded.size(); i++) {
                result[from + i] = normalized(embedded.get(i));
            }
        }
        return result;
    }

    private interface Call<T> {
        T run() throws EmbeddingsClient.Failure;
    }

    /** One call to the runtime, counted: a success resets the failure count, a failure adds one. */
    private <T> T call(Call<T> call) throws EmbeddingsClient.Failure {
        try {
            T result = call.run();
            int before;
            synchronized (stateLock) {
                before = failures.getAndSet(0);
                lastCallNanos = System.nanoTime();
            }
            if (before >= UNHEALTHY_AFTER) {
                log.printf("embeddings at %s answer again after %d failed calls%n", client.base(), before);
            }
            return result;
        } catch (EmbeddingsClient.Failure e) {
            int now;
            String previous;
            synchronized (stateLock) {
                now = failures.incrementAndGet();
                previous = lastFailure;
                lastFailure = e.getMessage();
                lastCallNanos = System.nanoTime();
            }
            // One line when the trouble starts or changes, not one per retry.
            if (now == 1 || now == UNHEALTHY_AFTER || !e.getMessage().equals(previous)) {
                log.printf("embeddings at %s: %s (%d consecutive failure%s)%n", client.base(), e.getMessage(), now,
                        now == 1 ? "" : "s");
            }
            throw e;
        }
    }

    // ---- the endpoints ----

    private Reply page(Request ignored) {
        return new Reply(200, new Raw("text/html; charset=utf-8", page), "");
    }

    /** 503 until the corpus is embedded and while the last calls to the runtime failed; 200 otherwise. */
    private Reply health(Request ignored) {
        Map<String, Object> body = new LinkedHashMap<>();
        int failed = failures.get();
        String failure = lastFailure;
        if (vectors == null) {
            body.put("status", "starting");
            body.put("reason", failure == null ? "embedding the corpus (" + corpus.size() + " sentences)"
                    : "embeddings " + failure);
            body.put("attempts", attempts);
            body.put("starting_ms", (System.nanoTime() - startNanos) / 1_000_000);
        } else if (failed >= UNHEALTHY_AFTER) {
            body.put("status", "unhealthy");
            body.put("reason", "the last " + failed + " calls to the embeddings runtime failed: " + failure);
        } else {
            body.put("status", "ok");
        }
        body.put("embeddings", client.base().toString());
        body.put("corpus", corpus.size());
        body.put("consecutive_failures", failed);
        if (vectors != null) {
            body.put("dimension", vectors[0].length);
            body.put("embed_ms", embedMillis);
        }
        return new Reply("ok".equals(body.get("status")) ? 200 : 503, body, "");
    }

    private Reply searchGet(Request request) {
        Map<String, String> query = request.query();
        String q = query.get("q");
        if (q == null) {
            throw ApiException.invalid("the query parameter q is required: GET /search?q=TEXT&k=" + DEFAULT_K);
        }
        String k = query.get("k");
        int count;
        if (k == null || k.isEmpty()) {
            count = DEFAULT_K;
        } else {
            try {
                count = Integer.parseInt(k.trim());
            } catch (NumberFormatException e) {
                throw ApiException.invalid("k must be an integer from 1 to " + MAX_K + ", not '" + k + "'");
            }
        }
        return search(q, count);
    }

    private Reply searchPost(Request request) {
        JsonNode root;
        try {
            root = json.readTree(request.body());
        } catch (JsonProcessingException e) {
            throw ApiException.invalid("body is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw ApiException.invalid("body could not be read: " + e.getMessage());
        }
        if (root == null || !root.isObject()) {
            throw ApiException.invalid("body must be a JSON object: {\"query\": \"...\", \"k\": " + DEFAULT_K + "}");
        }
        JsonNode query = root.get("query");
        if (query == null || !query.isTextual()) {
            throw ApiException.invalid("\"query\" is required and must be a string");
        }
        JsonNode k = root.get("k");
        if (k != null && !k.isNull() && !k.isInt()) {
            throw ApiException.invalid("\"k\" must be an integer from 1 to " + MAX_K + ", not " + k);
        }
        return search(query.textValue(), k == null || k.isNull() ? DEFAULT_K : k.intValue());
    }

    private Reply search(String query, int k) {
        if (query.isBlank()) {
            throw ApiException.invalid("the query is empty");
        }
        if (query.length() > MAX_QUERY_CHARS) {
            throw ApiException.invalid("the query has " + query.length() + " characters; at most " + MAX_QUERY_CHARS);
        }
        if (k < 1 || k > MAX_K) {
            throw ApiException.invalid("k must be an integer from 1 to " + MAX_K + ", not " + k);
        }
        float[][] corpusVectors = vectors;
        if (corpusVectors == null) {
            String failure = lastFailure;
            throw new ApiException(503, "unavailable", "the corpus is not embedded yet"
                    + (failure == null ? "" : ": embeddings " + failure) + "; poll GET /health");
        }
        long start = System.nanoTime();
        float[] q;
        try {
            q = normalized(call(() -> client.embed(List.of(query))).get(0));
        } catch (EmbeddingsClient.Failure e) {
            throw new ApiException(502, "bad_gateway", "the embeddings runtime at " + client.base() + " failed: "
                    + e.getMessage());
        }
        double embedMs = (System.nanoTime() - start) / 1e6;
        if (q.length != corpusVectors[0].length) {
            throw new ApiException(502, "bad_gateway", "the embeddings runtime at " + client.base() + " answered "
                    + q.length + " dimensions; the corpus was embedded with " + corpusVectors[0].length);
        }
        Integer[] order = new Integer[corpusVectors.length];
        double[] scores = new double[corpusVectors.length];
        for (int i = 0; i < corpusVectors.length; i++) {
            order[i] = i;
            scores[i] = dot(q, corpusVectors[i]);
        }
        Arrays.sort(order, Comparator.comparingDouble((Integer i) -> -scores[i]).thenComparingInt(i -> i));
        List<Map<String, Object>> results = new ArrayList<>();
        for (int r = 0; r < Math.min(k, order.length); r++) {
            int i = order[r];
            Map<String, Object> hit = new LinkedHashMap<>();
            hit.put("rank", r + 1);
            hit.put("score", Math.round(scores[i] * 10_000) / 10_000.0);
            hit.put("index", i);
            hit.put("text", corpus.get(i));
            results.add(hit);
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("query", query);
        body.put("k", k);
        body.put("results", results);
        body.put("embed_ms", Math.round(embedMs * 10) / 10.0);
        return new Reply(200, body, String.format(Locale.ROOT, "k=%d top=%d", k, order.length == 0 ? -1 : order[0]));
    }

    // ---- vectors ----

    static float[] normalized(float[] v) {
        double norm = 0;
        for (float x : v) {
            norm += x * x;
        }
        norm = Math.sqrt(norm);
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = norm == 0 ? 0 : (float) (v[i] / norm);
        }
        return out;
    }

    private static double dot(float[] a, float[] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            sum += a[i] * b[i];
        }
        return sum;
    }

    private static byte[] resource(String name) {
        try (InputStream in = SearchFront.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("resource " + name + " is missing from the jar");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
