package dev.glyphsupervisor.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * /livez and /readyz on the real metrics listener, called as the kubelet calls them (GET, any 200-399 is success), with
 * the daemon's answers faked; /metrics beside them answers as before.
 */
class HealthEndpointsTest {

    private final SupervisorMetrics registry = new SupervisorMetrics(Clock.systemUTC());
    private final HealthEndpoints endpoints = new HealthEndpoints();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private MetricsServer server;

    /** A stack whose answers the test sets. */
    private static final class FakeHealth implements Health {
        volatile List<Server> servers = List.of();
        volatile List<String> stuck = List.of();

        @Override
        public List<Server> servers() {
            return servers;
        }

        @Override
        public List<String> stuckLoops() {
            return stuck;
        }

        @Override
        public Duration answerWithin() {
            return Duration.ofSeconds(2);
        }
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private HttpResponse<String> get(String pathAndQuery) throws Exception {
        return send("GET", pathAndQuery);
    }

    private HttpResponse<String> send(String method, String pathAndQuery) throws Exception {
        if (server == null) {
            registry.forServer("vllm");
            server = registry.serve("127.0.0.1", 0, endpoints);
        }
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + pathAndQuery))
                .timeout(Duration.ofSeconds(5)).method(method, HttpRequest.BodyPublishers.noBody()).build();
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private static void answers(HttpResponse<String> response, int status, String body) {
        assertEquals(status, response.statusCode(), response.body());
        assertEquals(body + "\n", response.body());
        assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"),
                response.headers().toString());
    }

    @Test
    void beforeTheDaemonHasItsServersBothSayStarting() throws Exception {
        answers(get("/livez"), 503, "starting: the daemon has not set up its servers yet");
        answers(get("/readyz"), 503, "starting: the daemon has not set up its servers yet");
    }

    @Test
    void livezIsOkWhileEveryLoopAnswersAndNamesTheStuckOnes() throws Exception {
        FakeHealth health = new FakeHealth();
        endpoints.attach(health);
        answers(get("/livez"), 200, "ok");
        health.stuck = List.of("vllm");
        answers(get("/livez"), 503, "the event loop of server vllm did not answer within 2s");
        health.stuck = List.of("vllm", "demo");
        answers(get("/livez"), 503, "the event loops of servers vllm, demo did not answer within 2s");
    }

    @Test
    void readyzListsTheServersThatAreNotReadyWithTheirStates() throws Exception {
        FakeHealth health = new FakeHealth();
        endpoints.attach(health);
        health.servers = List.of(new Health.Server("vllm", "RUNNING", true), new Health.Server("demo", "DEGRADED", true));
        answers(get("/readyz"), 200, "ok: vllm RUNNING, demo DEGRADED");
        health.servers = List.of(new Health.Server("vllm", "STARTING", false), new Health.Server("demo", "WAITING", false));
        answers(get("/readyz"), 503, "not ready: vllm STARTING, demo WAITING");
        health.servers = List.of(new Health.Server("vllm", "RUNNING", true), new Health.Server("demo", "BACKOFF", false));
        answers(get("/readyz"), 503, "not ready: demo BACKOFF");
    }

    @Test
    void readyzOfOneServerJudgesOnlyItAndAnUnknownNameIs404() throws Exception {
        FakeHealth health = new FakeHealth();
        endpoints.attach(health);
        health.servers = List.of(new Health.Server("vllm", "RUNNING", true), new Health.Server("demo", "BACKOFF", false));
        answers(get("/readyz?server=vllm"), 200, "ok: vllm RUNNING");
        answers(get("/readyz?server=demo"), 503, "not ready: demo BACKOFF");
        answers(get("/readyz?server=vllm&server=demo"), 503, "not ready: demo BACKOFF");
        answers(get("/readyz?server=nope"), 404, "no server 'nope'; the servers are vllm, demo");
        answers(get("/readyz?server="), 404, "no server ''; the servers are vllm, demo");
        answers(get("/readyz?verbose&server=vllm"), 200, "ok: vllm RUNNING");
    }

    @Test
    void onlyGetAndHeadAndOnlyTheExactPaths() throws Exception {
        FakeHealth health = new FakeHealth();
        endpoints.attach(health);
        HttpResponse<String> head = send("HEAD", "/livez");
        assertEquals(200, head.statusCode());
        assertEquals("", head.body());
        HttpResponse<String> post = send("POST", "/readyz");
        assertEquals(405, post.statusCode());
        assertEquals("GET, HEAD", post.headers().firstValue("Allow").orElse(""));
        answers(get("/livezz"), 404, "no such path /livezz; the probes are /livez and /readyz, the metrics /metrics");
        answers(get("/readyz/x"), 404, "no such path /readyz/x; the probes are /livez and /readyz, the metrics /metrics");
    }

    @Test
    void metricsAnswerAsBefore() throws Exception {
        endpoints.attach(new FakeHealth());
        HttpResponse<String> metrics = get("/metrics");
        assertEquals(200, metrics.statusCode());
        assertTrue(metrics.body().contains("glyph_supervisor_state{server=\"vllm\",state=\"STOPPED\"} 1"), metrics.body());
    }
}
