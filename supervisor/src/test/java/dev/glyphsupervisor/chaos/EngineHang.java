package dev.glyphsupervisor.chaos;

import dev.glyphsupervisor.core.ProgressWatch;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.Optional;

/**
 * The reference runtime's engine hangs (POST /admin/fault/hang: every engine worker blocks forever at its next
 * step) while the lane's clients keep sending: the port stays open and /health answers 200, so only the progress
 * probe can tell (work pending on a flat step counter for stall_after). Expected: restart_decided with reason
 * {@code stalled}, the pending work and the flat time in it, within {@link Bounds#detectionMs} and no sooner than
 * stall_after less {@link #EARLY_MS} after the hang (the stall clock starts at the first reading that shows work
 * pending on a flat counter, and a working engine under this light traffic steps many times a second, so a clock
 * started well before the hang would be a false judgement); then a healthy later generation.
 */
final class EngineHang implements Fault {

    /** How much sooner than stall_after a stall may be decided: a reading or two of a loaded machine. */
    static final long EARLY_MS = 1000;

    @Override
    public FaultRecord inject(Lane lane, AuditWatch.Serving s) throws Exception {
        Bounds b = lane.bounds();
        if (lane.traffic() != null) {
            lane.traffic().resume();
        }
        int from = lane.audit().mark();
        long at = System.currentTimeMillis();
        int status = ReferenceRuntime.fault(lane.port(), "hang");
        if (status != 200) {
            lane.violation("ENGINE_HANG: POST /admin/fault/hang answered " + status);
        }
        Optional<JsonNode> decided = lane.await(from, "restart_decided", e -> AuditWatch.generation(e) == s.generation(),
                b.detectionMs(FaultKind.ENGINE_HANG));
        Optional<JsonNode> healthy = lane.await(from, "runtime_healthy", e -> AuditWatch.generation(e) > s.generation(),
                b.recoveryMs(FaultKind.ENGINE_HANG));
        String note = "";
        if (decided.isPresent()) {
            JsonNode d = decided.get();
            String reason = d.path("reason").asText();
            long detection = AuditWatch.millis(d) - at;
            note = "pending " + d.path("pending").asText() + ", stalled_for_s " + d.path("stalled_for_s").asText();
            if (!reason.equals("stalled")) {
                lane.violation("ENGINE_HANG decided with reason " + reason + " (the open port and /health 200 hide "
                        + "the hang from every other probe): " + d);
            } else if (d.path("pending").asDouble() < 1
                    || d.path("stalled_for_s").asDouble() * 1000 < b.stallAfterMs() - ProgressWatch.TOLERANCE.toMillis()) {
                lane.violation("ENGINE_HANG: a stalled restart without the values behind it: " + d);
            } else if (detection < b.stallAfterMs() - EARLY_MS) {
                lane.violation("ENGINE_HANG: stalled " + detection + " ms after the hang, sooner than stall_after "
                        + b.stallAfterMs() + " ms allows: " + d);
            }
        }
        return lane.record(FaultKind.ENGINE_HANG, "", at, decided, at, healthy, note);
    }
}
