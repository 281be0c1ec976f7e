package dev.glyphsupervisor.probes.inference;

import java.time.Duration;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * One inference check.
 *
 * @param detail  one line for status and the audit log
 * @param latency from the start of the request to the end of the answer (or the failure)
 * @param status  the HTTP status, when an answer came
 */
public record InferenceResult(Verdict verdict, String detail, Duration latency, OptionalInt status) {

    public InferenceResult {
        Objects.requireNonNull(verdict, "verdict");
        Objects.requireNonNull(detail, "detail");
        Objects.requireNonNull(latency, "latency");
        Objects.requireNonNull(status, "status");
    }

    public enum Verdict {
        /** The expected answer, in time. */
        OK,
        /** The expected answer, later than slow_after. */
        SLOW,
        /** No answer within the timeout, a broken exchange, an unexpected status or a wrong answer. */
        FAILED
    }
}
