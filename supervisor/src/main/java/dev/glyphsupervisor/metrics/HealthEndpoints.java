package dev.glyphsupervisor.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * {@code GET /livez} and {@code GET /readyz} for the kubelet's probes and load balancers: plain text, no auth, one line.
 * <ul>
 *   <li>{@code /livez}: 200 {@code ok} when every server's event loop runs a heartbeat within
 *       {@link Health#answerWithin()} (the systemd watchdog's question); else 503 naming the stuck servers.</li>
 *   <li>{@code /readyz}: 200 when every server is ready (RUNNING or DEGRADED), naming each with its state; else 503
 *       listing those that are not, with their states. {@code ?server=NAME} (repeatable) asks about those servers
 *       only; a name the daemon does not have is 404, listing the names it has.</li>
 * </ul>
 * Until the daemon has its servers ({@link #attach}) both answer 503. GET and HEAD only (405 otherwise).
 */
public final class HealthEndpoints implements HttpHandler {

    /** The paths answered; the metrics listener hands every path but /metrics here (its default handler). */
    public static final List<String> PATHS = List.of("/livez", "/readyz");

    /** An answer: the status and the line of text (without its newline). */
    record Answer(int status, String text) {
    }

    private volatile Health health;

    /** From now on the endpoints answer for {@code health}'s servers. */
    public void attach(Health health) {
        this.health = health;
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String method = exchange.getRequestMethod();
            Answer answer;
            if (!method.equals("GET") && !method.equals("HEAD")) {
                exchange.getResponseHeaders().set("Allow", "GET, HEAD");
                answer = new Answer(405, method + " is not allowed here; use GET");
            } else {
                answer = answer(exchange.getRequestURI().getPath(), exchange.getRequestURI().getRawQuery());
            }
            byte[] body = (answer.text() + "\n").getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
            exchange.getResponseHeaders().set("Cache-Control", "no-store");
            if (method.equals("HEAD")) {
                exchange.sendResponseHeaders(answer.status(), -1);
            } else {
                exchange.sendResponseHeaders(answer.status(), body.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            }
        }
    }

    /** The answer for {@code path}: anything but the two exact paths is 404. */
    Answer answer(String path, String rawQuery) {
        Health h = health;
        if (!PATHS.contains(path)) {
            return new Answer(404, "no such path " + path + "; the probes are /livez and /readyz, the metrics /metrics");
        }
        if (h == null) {
            return new Answer(503, "starting: the daemon has not set up its servers yet");
        }
        return path.equals("/livez") ? live(h) : ready(h, servers(rawQuery));
    }

    static Answer live(Health health) {
        List<String> stuck = health.stuckLoops();
        if (stuck.isEmpty()) {
            return new Answer(200, "ok");
        }
        return new Answer(503, (stuck.size() == 1 ? "the event loop of server " : "the event loops of servers ")
                + String.join(", ", stuck) + " did not answer within " + seconds(health.answerWithin()));
    }

    static Answer ready(Health health, Set<String> asked) {
        List<Health.Server> all = health.servers();
        Map<String, Health.Server> byName = all.stream()
                .collect(Collectors.toMap(Health.Server::name, Function.identity(), (a, b) -> a, java.util.LinkedHashMap::new));
        List<String> unknown = asked.stream().filter(name -> !byName.containsKey(name)).collect(Collectors.toList());
        if (!unknown.isEmpty()) {
            return new Answer(404, "no server " + unknown.stream().map(n -> "'" + n + "'").collect(Collectors.joining(", "))
                    + "; the servers are " + String.join(", ", byName.keySet()));
        }
        List<Health.Server> judged = asked.isEmpty() ? all
                : all.stream().filter(s -> asked.contains(s.name())).collect(Collectors.toList());
        List<Health.Server> notReady = judged.stream().filter(s -> !s.ready()).collect(Collectors.toList());
        if (notReady.isEmpty()) {
            return new Answer(200, "ok: " + line(judged));
        }
        return new Answer(503, "not ready: " + line(notReady));
    }

    private static String line(List<Health.Server> servers) {
        return servers.stream().map(s -> s.name() + " " + s.state()).collect(Collectors.joining(", "));
    }

    /** The values of {@code server=} in the query, in order; other parameters are ignored. */
    static Set<String> servers(String rawQuery) {
        Set<String> names = new LinkedHashSet<>();
        if (rawQuery == null || rawQuery.isEmpty()) {
            return names;
        }
        for (String pair : rawQuery.split("&")) {
            int eq = pair.indexOf('=');
            String key = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            if (key.equals("server")) {
                names.add(eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        return names;
    }

    private static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
    }
}
