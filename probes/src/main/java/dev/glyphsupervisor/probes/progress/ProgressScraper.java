package dev.glyphsupervisor.probes.progress;

import dev.glyphsupervisor.probes.Durations;
import dev.glyphsupervisor.probes.http.Excerpts;
import dev.glyphsupervisor.probes.http.HttpExchange;
import dev.glyphsupervisor.probes.http.HttpExchange.Outcome;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalDouble;
import java.util.Set;

/**
 * Scrapes a server's Prometheus /metrics once per call and sums the pending and progress series.
 * One GET through {@link HttpExchange} (4 MiB body cap), asking for the classic text format; the
 * answer is parsed strictly ({@link PrometheusText}), every line checked, only the wanted names summed.
 * Judging the numbers (stalled or not) is the caller's business: this class only reports them, or
 * one line saying why it could not.
 *
 * <p>Immutable; safe to share between threads.
 */
public final class ProgressScraper {

    /** Asks for the classic format; a server that only speaks OpenMetrics may still answer with it. */
    static final String ACCEPT = "text/plain; version=0.0.4";

    private final URI url;
    private final HttpExchange exchange;
    private final ProgressMetrics metrics;
    private final Set<String> names;
    private final String hint;

    public ProgressScraper(URI url, Duration timeout, ProgressMetrics metrics) {
        this.url = Objects.requireNonNull(url, "url");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.exchange = new HttpExchange(url, timeout, HttpExchange.SCRAPE_BODY_BYTES);
        this.names = metrics.names();
        this.hint = Engine.byMetrics(metrics).map(Engine::hint)
                .orElse("are the metric names configured for this server right?");
    }

    public URI url() {
        return url;
    }

    public ProgressMetrics metrics() {
        return metrics;
    }

    /** One scrape; never throws for what a server does. */
    public Scrape scrape() {
        long start = System.nanoTime();
        try {
            return scrape(start);
        } catch (RuntimeException e) {
            return new Scrape.Failed(Scrape.Failure.IO, "scrape of " + url + " failed: " + e, Durations.since(start));
        }
    }

    private Scrape scrape(long start) {
        Outcome outcome = exchange.get(Map.of("Accept", ACCEPT));
        if (outcome instanceof Outcome.Failed failed) {
            return new Scrape.Failed(failureOf(failed.kind()), failed.detail() + " (" + url + ")", Durations.since(start));
        }
        Outcome.Answered answer = (Outcome.Answered) outcome;
        if (answer.status() != 200) {
            String body = new String(answer.body(), StandardCharsets.UTF_8);
            String detail = "status " + answer.status() + " from " + url
                    + (answer.status() == 404 ? " (no /metrics here: " + hint + ")" : "")
                    + (body.isBlank() ? "" : "; body: " + Excerpts.excerpt(body));
            return new Scrape.Failed(Scrape.Failure.HTTP_STATUS, detail, Durations.since(start));
        }
        if (answer.truncated()) {
            return new Scrape.Failed(Scrape.Failure.MALFORMED, "metrics from " + url + " larger than "
                    + (HttpExchange.SCRAPE_BODY_BYTES >> 20) + " MiB: not read", Durations.since(start));
        }
        PrometheusText.Samples samples;
        try {
            samples = PrometheusText.parse(new String(answer.body(), StandardCharsets.UTF_8), names);
        } catch (PrometheusText.MalformedException e) {
            return new Scrape.Failed(Scrape.Failure.MALFORMED, "not Prometheus text from " + url + ": " + e.getMessage(),
                    Durations.since(start));
        }
        double pending = 0;
        for (String name : metrics.pending()) {
            OptionalDouble sum = samples.sum(name);
            if (sum.isEmpty()) {
                return missing(name, samples, start);
            }
            pending += sum.getAsDouble();
        }
        OptionalDouble progress = samples.sum(metrics.progress());
        if (progress.isEmpty()) {
            return missing(metrics.progress(), samples, start);
        }
        return new Scrape.Sample(pending, progress.getAsDouble(), samples.seriesCount(), Durations.since(start));
    }

    private Scrape missing(String name, PrometheusText.Samples samples, long start) {
        return new Scrape.Failed(Scrape.Failure.MISSING_METRIC, "no series named " + name + " in " + url
                + " (" + samples.seriesCount() + " series): " + hint, Durations.since(start));
    }

    private static Scrape.Failure failureOf(HttpExchange.Kind kind) {
        return switch (kind) {
            case TIMEOUT -> Scrape.Failure.TIMEOUT;
            case REFUSED -> Scrape.Failure.REFUSED;
            case IO, INTERRUPTED -> Scrape.Failure.IO;
        };
    }
}
