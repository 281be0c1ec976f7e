package dev.glyphsupervisor.reference;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * {@link SearchFront}'s command line, validated once, in {@link ServerOptions}' style: every error names
 * the flag and the value, and a bad command line exits with status 2.
 *
 * @param embeddings the reference runtime's base URL, without a trailing slash
 * @param timeout    how long one call to the runtime may take (connect and answer)
 */
record SearchOptions(String host, int port, URI embeddings, Optional<Path> corpus, Duration timeout, int threads,
                     boolean help) {

    static final String USAGE = """
            Usage: java -cp reference-runtime.jar dev.glyphsupervisor.reference.SearchFront [flags]

            Semantic search over a few sentences: embeds its corpus and every query through the reference
            runtime's POST /v1/embeddings and answers the nearest sentences by cosine similarity.

              --port N               TCP port to listen on (default 7879; 0 picks a free one, logged at start)
              --host ADDR            address to bind (default 127.0.0.1)
              --embeddings URL       the reference runtime (default http://127.0.0.1:7878)
              --corpus FILE          the sentences, one per line, UTF-8; blank lines are skipped
                                     (default: a dozen built-in sentences)
              --timeout DURATION     most time for one call to the runtime: 500ms, 10s, 1m (default 10s)
              --threads N            HTTP worker threads (default 4)
              --help                 print this and exit

            Endpoints: GET /, GET /health, GET /search?q=TEXT&k=3, POST /search {"query": TEXT, "k": 3}.
            /health is 503 until the corpus is embedded and while the last 3 calls to the runtime failed.
            SIGTERM stops it gracefully (the JVM exits with 143).
            Exit status 1: the port could not be bound; 2: a bad command line or corpus file.
            """;

    static final int DEFAULT_PORT = 7879;
    static final URI DEFAULT_EMBEDDINGS = URI.create("http://127.0.0.1:7878");
    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);
    static final int DEFAULT_THREADS = 4;

    static SearchOptions parse(String... args) throws UsageException {
        String host = "127.0.0.1";
        int port = DEFAULT_PORT;
        URI embeddings = DEFAULT_EMBEDDINGS;
        Path corpus = null;
        Duration timeout = DEFAULT_TIMEOUT;
        int threads = DEFAULT_THREADS;

        for (Flags.Flag f : Flags.of(args)) {
            String flag = f.name();
            String value = f.value();
            if (flag.equals(Flags.HELP)) {
                return new SearchOptions(host, port, embeddings, Optional.empty(), timeout, threads, true);
            }
            switch (flag) {
                case "--host" -> host = ServerOptions.nonBlank(flag, value);
                case "--port" -> port = ServerOptions.integer(flag, value, 0, 65_535);
                case "--embeddings" -> embeddings = baseUrl(flag, value);
                case "--corpus" -> corpus = Path.of(ServerOptions.nonBlank(flag, value));
                case "--timeout" -> timeout = duration(flag, value);
                case "--threads" -> threads = ServerOptions.integer(flag, value, 1, 1024);
                default -> throw new UsageException("unknown flag " + flag);
            }
        }
        return new SearchOptions(host, port, embeddings, Optional.ofNullable(corpus), timeout, threads, false);
    }

    /** An absolute http(s) URL with a host and no query; a trailing slash is dropped. */
    private static URI baseUrl(String flag, String value) throws UsageException {
        String text = ServerOptions.nonBlank(flag, value).trim();
        String problem = "expected a URL such as http://127.0.0.1:7878, got '" + text + "'";
        URI uri;
        try {
            uri = new URI(text);
        } catch (URISyntaxException e) {
            throw new UsageException(flag + ": " + problem);
        }
        if (uri.getScheme() == null || !(uri.getScheme().equals("http") || uri.getScheme().equals("https"))
                || uri.getHost() == null || uri.getRawQuery() != null || uri.getRawFragment() != null) {
            throw new UsageException(flag + ": " + problem);
        }
        while (text.endsWith("/")) {
            text = text.substring(0, text.length() - 1);
        }
        return URI.create(text);
    }

    /** 500ms, 10s, 2m: a positive whole number and a unit, up to 10 minutes. */
    private static Duration duration(String flag, String value) throws UsageException {
        String text = ServerOptions.nonBlank(flag, value).trim();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d{1,9})(ms|s|m)").matcher(text);
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            Duration d = switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                default -> Duration.ofMinutes(n);
            };
            if (!d.isZero() && d.compareTo(Duration.ofMinutes(10)) <= 0) {
                return d;
            }
        }
        throw new UsageException(flag + ": expected a duration from 1ms to 10m such as 500ms, 10s or 1m, got '"
                + text + "'");
    }
}
