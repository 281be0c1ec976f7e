package dev.glyphsupervisor.reference;

import java.nio.file.Path;
import java.util.Optional;

/**
 * The command line, validated once. Every error names the flag and the value, because the first
 * reader of it is usually a supervisor log, not the person who wrote the config.
 *
 * @param historyLimit how many requests the history keeps: {@link RequestHistory#OFF},
 *                     {@link RequestHistory#UNBOUNDED}, or a positive count
 */
record ServerOptions(String host, int port, Optional<Path> cacheDir, int historyLimit, int threads,
                     int engineThreads, int maxInputs, int maxInputChars, int maxWaiting, boolean faultEndpoints,
                     boolean help) {

    static final String USAGE = """
            Usage: java -jar reference-runtime.jar [flags]

            An OpenAI-compatible embeddings server around all-MiniLM-L6-v2 (quantized ONNX, 384 dimensions).

              --port N               TCP port to listen on (default 8000; 0 picks a free one, logged at start)
              --host ADDR            address to bind (default 127.0.0.1)
              --cache-dir DIR        keep one file per embedded input under DIR and read it back on a hit
                                     (default: no disk cache); DIR is created if missing
              --history MODE         keep requests and their vectors in memory: off (default), unbounded,
                                     or a count N of most recent requests to keep
              --history-limit N      the same as --history N
              --threads N            HTTP worker threads (default: the number of processors); they parse
                                     and answer requests, the model itself runs on the engine threads
              --engine-threads N     engine workers that run the model, each on one request at a time,
                                     taken in order from one queue (default: the number of processors;
                                     1 to 256)
              --max-inputs N         most inputs in one request (default 256)
              --max-input-chars N    most characters in one input (default 8192)
              --max-waiting N        most requests queued for the engine (default 64); one more gets 503
              --fault-endpoints      enable POST /admin/fault/hang (every engine thread blocks forever at
                                     its next step), /admin/fault/error (inference answers 500), /admin/fault/slow
                                     ?step_ms=N (each step takes N ms more) and /admin/fault/clear (ends
                                     error and slow; not a hang), for tests and demos; off by default
              --help                 print this and exit

            Endpoints: GET /health, GET /v1/models, POST /v1/embeddings, GET /metrics (Prometheus text:
            reference_requests_running (0 to --engine-threads), reference_requests_waiting,
            reference_engine_steps_total (+1 per input embedded, on any engine thread), and
            reference_requests_total, reference_embeddings_total, reference_tokens_total (counted when a
            request completes)).
            SIGTERM stops it gracefully (requests in flight finish; the JVM exits with 143).
            Exit status 1: it could not start or the model failed to load; 2: a bad command line.
            """;

    static final int DEFAULT_PORT = 8000;
    static final int DEFAULT_MAX_INPUTS = 256;
    static final int DEFAULT_MAX_INPUT_CHARS = 8192;
    static final int DEFAULT_MAX_WAITING = 64;
    static final int MAX_ENGINE_THREADS = 256;

    static ServerOptions parse(String... args) throws UsageException {
        String host = "127.0.0.1";
        int port = DEFAULT_PORT;
        Path cacheDir = null;
        String historyFlag = null;
        int historyLimit = RequestHistory.OFF;
        int threads = Runtime.getRuntime().availableProcessors();
        int engineThreads = defaultEngineThreads();
        int maxInputs = DEFAULT_MAX_INPUTS;
        int maxInputChars = DEFAULT_MAX_INPUT_CHARS;
        int maxWaiting = DEFAULT_MAX_WAITING;
        boolean faultEndpoints = false;

        // Both "--port 8000" and "--port=8000" are accepted.
        for (Flags.Flag f : Flags.of(args)) {
            String flag = f.name();
            String value = f.value();
            if (flag.equals(Flags.HELP)) {
                return new ServerOptions(host, port, Optional.empty(), historyLimit, threads, engineThreads, maxInputs,
                        maxInputChars, maxWaiting, faultEndpoints, true);
            }
            switch (flag) {
                case "--host" -> host = nonBlank(flag, value);
                case "--port" -> port = integer(flag, value, 0, 65_535);
                case "--cache-dir" -> cacheDir = Path.of(nonBlank(flag, value));
                case "--history", "--history-limit" -> {
                    if (historyFlag != null) {
                        throw new UsageException(flag + ": history already set by " + historyFlag
                                + "; give one of --history or --history-limit, once");
                    }
                    historyFlag = flag;
                    historyLimit = flag.equals("--history") ? historyMode(flag, value)
                            : integer(flag, value, 1, Integer.MAX_VALUE);
                }
                case "--threads" -> threads = integer(flag, value, 1, 1024);
                case "--engine-threads" -> engineThreads = integer(flag, value, 1, MAX_ENGINE_THREADS);
                case "--max-inputs" -> maxInputs = integer(flag, value, 1, 100_000);
                case "--max-input-chars" -> maxInputChars = integer(flag, value, 1, 10_000_000);
                case "--max-waiting" -> maxWaiting = integer(flag, value, 1, 100_000);
                case "--fault-endpoints" -> {
                    if (value != null) {
                        throw new UsageException(flag + " takes no value, got '" + value + "'");
                    }
                    faultEndpoints = true;
                }
                default -> throw new UsageException("unknown flag " + flag);
            }
        }
        return new ServerOptions(host, port, Optional.ofNullable(cacheDir), historyLimit, threads, engineThreads,
                maxInputs, maxInputChars, maxWaiting, faultEndpoints, false);
    }

    /** One engine worker per processor the JVM may use (a taskset or a container's CPU limit counts), 1 to 256. */
    static int defaultEngineThreads() {
        return Math.max(1, Math.min(MAX_ENGINE_THREADS, Runtime.getRuntime().availableProcessors()));
    }

    static String nonBlank(String flag, String value) throws UsageException {
        if (value == null || value.isBlank()) {
            throw new UsageException(flag + " needs a value");
        }
        return value;
    }

    static int integer(String flag, String value, int min, int max) throws UsageException {
        String text = nonBlank(flag, value);
        try {
            int n = Integer.parseInt(text.trim());
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below with the accepted range
        }
        throw new UsageException(flag + ": expected an integer from " + min + " to " + max + ", got '" + text + "'");
    }

    private static int historyMode(String flag, String value) throws UsageException {
        String text = nonBlank(flag, value);
        return switch (text) {
            case "off" -> RequestHistory.OFF;
            case "unbounded" -> RequestHistory.UNBOUNDED;
            default -> {
                try {
                    yield integer(flag, text, 1, Integer.MAX_VALUE);
                } catch (UsageException e) {
                    throw new UsageException(flag + ": expected off, unbounded or a positive count, got '" + text + "'");
                }
            }
        };
    }

    /** The request body limit: room for every allowed request even if each character is a 6-byte \\u escape. */
    long maxBodyBytes() {
        return 6L * maxInputs * maxInputChars + 64 * 1024;
    }
}
