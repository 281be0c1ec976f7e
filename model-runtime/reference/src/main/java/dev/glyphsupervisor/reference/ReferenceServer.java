package dev.glyphsupervisor.reference;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The reference runtime: wires the options, the model loader, the cache, the history and the HTTP
 * server, and stops them in order. It listens before the model is loaded, so {@code /health} answers
 * 503 during the load instead of refusing connections.
 */
public final class ReferenceServer {

    /** How long a stop waits for requests in flight; a supervisor's grace period is normally longer. */
    static final Duration STOP_GRACE = Duration.ofSeconds(10);

    /**
     * DJL looks for CUDA on every tokenizer load and warns when there is none; this server is CPU-only.
     * Held in a field: java.util.logging keeps loggers weakly, and a collected one forgets its level.
     */
    private static final Logger DJL_CUDA_LOG = Logger.getLogger("ai.djl.util.cuda");

    private final HttpServer http;
    private final ExecutorService workers;
    private final JsonRouter router;
    private final Engine engine;
    private final PrintStream log;

    private ReferenceServer(HttpServer http, ExecutorService workers, JsonRouter router, Engine engine,
                            PrintStream log) {
        this.http = http;
        this.workers = workers;
        this.router = router;
        this.engine = engine;
        this.log = log;
    }

    public static void main(String[] args) {
        ServerOptions options;
        EmbeddingCache cache;
        try {
            options = ServerOptions.parse(args);
            if (options.help()) {
                System.out.print(ServerOptions.USAGE);
                return;
            }
            cache = openCache(options);
        } catch (UsageException e) {
            System.err.println("reference-runtime: " + e.getMessage() + " (see --help)");
            System.exit(2);
            return;
        }
        // langchain4j, DJL and ONNX Runtime log through slf4j → java.util.logging; keep their INFO chatter
        // out of the one-line-per-request log, but let warnings through to stderr.
        Logger.getLogger("").setLevel(Level.WARNING);
        DJL_CUDA_LOG.setLevel(Level.SEVERE);

        ReferenceServer server;
        try {
            server = start(options, cache, MiniLmEmbedder::load, failure -> {
                System.err.println("reference-runtime: the model failed to load: " + failure);
                failure.printStackTrace();
                System.exit(1);
            }, System.out);
        } catch (IOException e) {
            System.err.println("reference-runtime: cannot listen on " + options.host() + ":" + options.port()
                    + ": " + e.getMessage());
            System.exit(1);
            return;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(server::stop, "shutdown"));
    }

    private static EmbeddingCache openCache(ServerOptions options) throws UsageException {
        if (options.cacheDir().isEmpty()) {
            return EmbeddingCache.NONE;
        }
        try {
            return DiskCache.open(options.cacheDir().get());
        } catch (IOException | RuntimeException e) {
            throw new UsageException("--cache-dir " + options.cacheDir().get() + ": cannot create or write it: " + e);
        }
    }

    /** Binds the port, starts loading the model in the background, and returns at once. */
    static ReferenceServer start(ServerOptions options, EmbeddingCache cache, Callable<? extends Embedder> load,
                                 Consumer<Throwable> onLoadFailure, PrintStream log) throws IOException {
        InetSocketAddress address = new InetSocketAddress(options.host(), options.port());
        if (address.isUnresolved()) {
            throw new IOException("cannot resolve host '" + options.host() + "'");
        }
        // The JDK server writes a response's headers and body as separate segments; with Nagle's algorithm
        // on, the body waits for the client's delayed ACK, adding ~40 ms to every keep-alive request
        // (measured: 52 ms p50 for one sentence with java.net.http, 5 ms without). Read once, at the first
        // server's creation.
        System.setProperty("sun.net.httpserver.nodelay", "true");
        ObjectMapper json = new ObjectMapper();
        EmbeddingService service = new EmbeddingService(cache, new RequestHistory(options.historyLimit()));
        EmbeddingsRequest.Limits limits = new EmbeddingsRequest.Limits(MiniLmEmbedder.MODEL_ID,
                MiniLmEmbedder.DIMENSION, options.maxInputs(), options.maxInputChars());

        HttpServer http = HttpServer.create(address, 0);
        // Why /health and /metrics stay up under a hung engine: no HTTP thread ever waits for the engine.
        // An embeddings request is parsed on an HTTP thread, queued, and that thread returns to the pool;
        // the engine completes the request on this same pool, which writes the answer (JsonRouter.routeAsync).
        // The queue is bounded (--max-waiting), so waiting requests cost bounded memory and no threads.
        ExecutorService workers = Executors.newFixedThreadPool(options.threads(), named("http-"));
        Faults faults = new Faults();
        Engine engine = new Engine(service, faults, workers, options.maxWaiting(), options.engineThreads(),
                "engine-" + http.getAddress().getPort());
        ModelLoader loader = ModelLoader.start(() -> {
            Embedder embedder = load.call();
            log.printf("model %s loaded (dimension %d)%n", embedder.modelId(), embedder.dimension());
            return embedder;
        }, onLoadFailure);
        Endpoints endpoints = new Endpoints(json, loader, service, engine, limits);
        JsonRouter router = new JsonRouter(json, options.maxBodyBytes(), log)
                .route("GET", "/health", endpoints::health)
                .route("GET", "/v1/models", endpoints::models)
                .routeAsync("POST", "/v1/embeddings", endpoints::embeddings)
                .routeRequest("GET", "/metrics", endpoints::metrics);
        FaultEndpoints.register(router, faults, options.faultEndpoints());
        http.createContext("/", router);
        http.setExecutor(workers);
        http.start();
        log.printf("reference-runtime listening on http://%s:%d (model %s loading; cache %s; history %s; threads %d;"
                        + " engine threads %d; max waiting %d)%n",
                options.host(), http.getAddress().getPort(), limits.modelId(),
                options.cacheDir().map(Object::toString).orElse("off"), service.history().mode(), options.threads(),
                options.engineThreads(), options.maxWaiting());
        if (options.faultEndpoints()) {
            log.println("reference-runtime: FAULT ENDPOINTS ENABLED (--fault-endpoints): POST /admin/fault/hang, "
                    + "/admin/fault/error, /admin/fault/slow?step_ms=N, /admin/fault/clear can hang, fail or slow "
                    + "the engine; for tests and demos only");
        }
        return new ReferenceServer(http, workers, router, engine, log);
    }

    int port() {
        return http.getAddress().getPort();
    }

    /**
     * Graceful stop: refuse new requests, let those in flight and queued finish (bounded), then close the
     * socket. A hung engine cannot finish anything, so its clients are answered 503 at once.
     */
    void stop() {
        try {
            engine.stopAccepting();
            int left = router.drain(STOP_GRACE);
            engine.abandon();
            http.stop(0);
            workers.shutdown();
            workers.awaitTermination(1, TimeUnit.SECONDS);
            log.println(left == 0 ? "reference-runtime stopped" : "reference-runtime stopped; " + left
                    + " request(s) were cut off after " + STOP_GRACE.toSeconds() + "s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static ThreadFactory named(String prefix) {
        AtomicInteger count = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, prefix + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }
}
