package dev.glyphsupervisor.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.sun.net.httpserver.HttpServer;
import dev.glyphsupervisor.core.ProgressWatch;
import dev.glyphsupervisor.probes.progress.Engine;
import dev.glyphsupervisor.probes.progress.ProgressScraper;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A real scrape of a real HTTP endpoint; what status is shown of it. */
class ProgressCheckTest {

    private final HttpServer metrics = serve("reference_requests_running 1\nreference_requests_waiting 2\n"
            + "reference_engine_steps_total 40\n");

    @AfterEach
    void stop() {
        metrics.stop(0);
    }

    /**
     * After a relaunch, status showed the previous generation's reading (its pending work, its steps a second) until the
     * new generation's first probe cycle: a reading is the generation's it was taken of.
     */
    @Test
    void theLastReadingIsOnlyShownForTheGenerationItWasTakenOf() {
        ProgressCheck check = new ProgressCheck(new ProgressScraper(
                URI.create("http://127.0.0.1:" + metrics.getAddress().getPort() + "/metrics"), Duration.ofSeconds(5),
                Engine.REFERENCE.metrics()), new ProgressWatch(Duration.ofSeconds(30), false), Clock.systemUTC());
        assertNull(check.last(1), "nothing read yet");
        ProgressWatch.Reading first = check.check(1);
        assertEquals(3.0, first.pending().getAsDouble());
        assertEquals(first, check.last(1));
        assertNull(check.last(2), "generation 2 (relaunched) has not been read yet");
        assertEquals(40.0, check.counter().getAsDouble(), "the counter as last read, for the inference probe");
    }

    private static HttpServer serve(String exposition) {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            server.createContext("/metrics", exchange -> {
                byte[] body = exposition.getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4");
                exchange.sendResponseHeaders(200, body.length);
                exchange.getResponseBody().write(body);
                exchange.close();
            });
            server.start();
            return server;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
