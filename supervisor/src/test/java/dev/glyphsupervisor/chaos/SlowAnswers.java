package dev.glyphsupervisor.chaos;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Every engine step slower (POST /admin/fault/slow?step_ms=N, N drawn from 1.5-2 s: past the inference probe's
 * slow_after of 1 s, under its 5 s timeout and well under stall_after) until the probe has reported two slow answers
 * (or its bound passed), then cleared. The clients pause meanwhile: a busy server's own traffic skips the probe
 * (its progress proves it serves), and the slow engine must be judged by the probe. Expected: inference_slow
 * records with {@code restart: false} and a latency past slow_after; no restart at all (restart_on_slow is off), the
 * same generation serving; after the clear, an answer within slow_after again. Detection is the first
 * inference_slow record; recovery, from the clear to the harness's first fast answer.
 */
final class SlowAnswers implements Fault {

    @Override
    public FaultRecord inject(Lane lane, AuditWatch.Serving s) throws Exception {
        Bounds b = lane.bounds();
        Traffic traffic = lane.traffic();
        if (traffic != null && !traffic.pause(Duration.ofSeconds(35))) {
            lane.violation("SLOW_ANSWERS: the clients' requests still in flight after 35 s");
        }
        long stepMs = 1500 + lane.random().nextInt(501);
        long cleared;
        long recoveredAt = -1;
        int from = lane.audit().mark();
        long at = System.currentTimeMillis();
        try {
            int status = ReferenceRuntime.fault(lane.port(), "slow?step_ms=" + stepMs);
            if (status != 200) {
                lane.violation("SLOW_ANSWERS: POST /admin/fault/slow answered " + status);
            }
            long holdUntil = at + 2 * b.detectionMs(FaultKind.SLOW_ANSWERS);
            while (slow(lane, from, s).size() < 2 && System.currentTimeMillis() < holdUntil
                    && lane.audit().find(from, "restart_decided", e -> true).isEmpty()) {
                Thread.sleep(50); // polling the audit log for the probe's reports
            }
            cleared = System.currentTimeMillis();
            status = ReferenceRuntime.fault(lane.port(), "clear");
            if (status != 200) {
                lane.violation("SLOW_ANSWERS: POST /admin/fault/clear answered " + status);
            }
            long until = cleared + 2 * b.recoveryMs(FaultKind.SLOW_ANSWERS);
            while (System.currentTimeMillis() < until) {
                long sent = System.currentTimeMillis();
                int answer;
                try {
                    answer = ReferenceRuntime.sentence(lane.port(), Duration.ofMillis(b.inferenceTimeoutMs()));
                } catch (java.io.IOException noAnswer) {
                    answer = -1;
                    Thread.sleep(100); // the server went away (a violation found below): try again shortly
                }
                long answeredAt = System.currentTimeMillis();
                if (answer == 200 && answeredAt - sent < b.slowAfterMs()) {
                    recoveredAt = answeredAt;
                    break;
                }
            }
            // One more inference period: a slow answer still in flight at the clear is reported, never a restart.
            Thread.sleep(b.inferenceIntervalMs() + b.slowAfterMs());
        } finally {
            if (traffic != null) {
                traffic.resume();
            }
        }
        List<JsonNode> reports = slow(lane, from, s);
        Optional<JsonNode> first = reports.stream().findFirst();
        for (JsonNode r : reports) {
            if (r.path("restart").asBoolean(true) || r.path("latency_ms").asLong() < b.slowAfterMs()) {
                lane.violation("SLOW_ANSWERS: an inference_slow record that counts toward a restart or is not past "
                        + "slow_after " + b.slowAfterMs() + " ms: " + r);
            }
        }
        Optional<JsonNode> restart = lane.audit().find(from, "restart_decided", e -> true);
        restart.ifPresent(r -> lane.violation("SLOW_ANSWERS restarted the server (slow answers are only reported, "
                + "restart_on_slow is off): " + r));
        Optional<AuditWatch.Serving> now = lane.audit().serving();
        if (restart.isEmpty() && (now.isEmpty() || now.get().generation() != s.generation())) {
            lane.violation("SLOW_ANSWERS: generation " + s.generation() + " not serving after the clear: " + now);
        }
        String note = "step " + stepMs + " ms; " + reports.size() + " inference_slow records, latency "
                + reports.stream().map(r -> r.path("latency_ms").asText()).toList() + " ms";
        return new FaultRecord(lane.name(), FaultKind.SLOW_ANSWERS, "", at,
                first.map(AuditWatch::millis).orElse(-1L), cleared, recoveredAt, note);
    }

    private static List<JsonNode> slow(Lane lane, int from, AuditWatch.Serving s) {
        return lane.audit().since(from).stream()
                .filter(e -> e.path("event").asText().equals("inference_slow") && AuditWatch.generation(e) == s.generation())
                .toList();
    }
}
