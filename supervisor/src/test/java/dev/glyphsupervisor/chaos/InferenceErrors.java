package dev.glyphsupervisor.chaos;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.Duration;
import java.util.Optional;

/**
 * Inference answers 500 (POST /admin/fault/error: every engine step fails) while the lane's clients keep sending.
 * The step counter stands still, so the inference probe is no longer skipped, fails, and after failure_threshold
 * failures in a row the server is restarted: restart_decided with reason {@code inference_failed}, {@code failures}
 * at the threshold and {@code status} 500, after that many inference_failed records. The fault belongs to the
 * process, so the new generation answers 200 again (checked with one request of the harness's own).
 */
final class InferenceErrors implements Fault {

    @Override
    public FaultRecord inject(Lane lane, AuditWatch.Serving s) throws Exception {
        Bounds b = lane.bounds();
        if (lane.traffic() != null) {
            lane.traffic().resume();
        }
        int from = lane.audit().mark();
        long at = System.currentTimeMillis();
        int status = ReferenceRuntime.fault(lane.port(), "error");
        if (status != 200) {
            lane.violation("INFERENCE_ERRORS: POST /admin/fault/error answered " + status);
        }
        Optional<JsonNode> decided = lane.await(from, "restart_decided", e -> AuditWatch.generation(e) == s.generation(),
                b.detectionMs(FaultKind.INFERENCE_ERRORS));
        Optional<JsonNode> healthy = lane.await(from, "runtime_healthy", e -> AuditWatch.generation(e) > s.generation(),
                b.recoveryMs(FaultKind.INFERENCE_ERRORS));
        long failures = lane.audit().since(from).stream()
                .filter(e -> e.path("event").asText().equals("inference_failed") && AuditWatch.generation(e) == s.generation())
                .count();
        String note = failures + " inference_failed records";
        if (decided.isPresent()) {
            JsonNode d = decided.get();
            if (!d.path("reason").asText().equals("inference_failed")) {
                lane.violation("INFERENCE_ERRORS decided with reason " + d.path("reason").asText() + ": " + d);
            } else if (d.path("failures").asInt() != b.inferenceThreshold() || d.path("status").asInt() != 500
                    || failures < b.inferenceThreshold()) {
                lane.violation("INFERENCE_ERRORS: restart not at the threshold of " + b.inferenceThreshold()
                        + " failures with status 500 (" + failures + " inference_failed records): " + d);
            }
        }
        if (healthy.isPresent()) {
            int answer = ReferenceRuntime.sentence(lane.port(), Duration.ofSeconds(30));
            if (answer != 200) {
                lane.violation("INFERENCE_ERRORS: the new generation " + AuditWatch.generation(healthy.get())
                        + " answered " + answer + ", not 200 (a fault is the process's and must not survive it)");
            }
        }
        return lane.record(FaultKind.INFERENCE_ERRORS, "", at, decided, at, healthy, note);
    }
}
