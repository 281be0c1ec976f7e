package dev.glyphsupervisor.chaos;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Counts the liveness probe cycles a lane's daemons ran (the scheduled checks of a running server, not
 * the readiness polls of a starting one), from their own /metrics ({@code
 * glyph_supervisor_probe_cycles_total{phase="liveness",server="..."}}, summed over its servers). A daemon
 * SIGKILLed and started again begins at zero, so each scrape banks the previous daemon's last reading when
 * the count goes down; cycles after a daemon's last scrape are lost, so the total is a lower bound.
 */
final class ProbeCounter {

    private static final Pattern LINE = Pattern.compile(
            "^glyph_supervisor_probe_cycles_total\\{(?:[^}]*,)?phase=\"liveness\"(?:,[^}]*)?\\}\\s+([0-9.eE+]+)",
            Pattern.MULTILINE);
    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final URI uri;
    private long banked;
    private long current;

    ProbeCounter(int metricsPort) {
        this.uri = URI.create("http://127.0.0.1:" + metricsPort + "/metrics");
    }

    /** One scrape; a daemon that does not answer (restarting) is skipped. */
    synchronized void scrape() {
        try {
            HttpResponse<String> r = CLIENT.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(3)).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                return;
            }
            long sum = 0;
            Matcher m = LINE.matcher(r.body());
            while (m.find()) {
                sum += (long) Double.parseDouble(m.group(1));
            }
            if (sum < current) {
                banked += current; // a new daemon
            }
            current = sum;
        } catch (java.io.IOException | RuntimeException notNow) {
            // the daemon is being restarted by a fault
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    synchronized long cycles() {
        return banked + current;
    }
}
