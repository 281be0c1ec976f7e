package dev.glyphsupervisor.probes.progress;

import java.time.Duration;
import java.util.Objects;

/** One scrape of a server's /metrics: the sums we asked for, or why there are none. */
public sealed interface Scrape permits Scrape.Sample, Scrape.Failed {

    Duration latency();

    /**
     * @param pending  the sum of the pending series (requests running + waiting)
     * @param progress the sum of the progress series (the engine-step counter)
     * @param series   how many series the whole exposition had
     */
    record Sample(double pending, double progress, int series, Duration latency) implements Scrape {

        public Sample {
            Objects.requireNonNull(latency, "latency");
        }
    }

    /** @param detail one line for {@code glyphctl status} */
    record Failed(Failure failure, String detail, Duration latency) implements Scrape {

        public Failed {
            Objects.requireNonNull(failure, "failure");
            Objects.requireNonNull(detail, "detail");
            Objects.requireNonNull(latency, "latency");
        }
    }

    /** Why a scrape has no sample. */
    enum Failure {
        /** No connection, no answer or no complete body within the timeout. */
        TIMEOUT,
        /** Nothing listens on the port. */
        REFUSED,
        /** An answer other than 200 (e.g. 404: no /metrics on this server). */
        HTTP_STATUS,
        /** Not the text exposition format, or a body over the scrape cap. */
        MALFORMED,
        /** A pending or progress series the exposition does not have. */
        MISSING_METRIC,
        /** Reset, closed, broken answer, or the caller was interrupted. */
        IO
    }
}
