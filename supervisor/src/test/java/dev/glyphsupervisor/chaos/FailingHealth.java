package dev.glyphsupervisor.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import dev.glyphsupervisor.e2e.TestServer;

import java.util.Optional;

/**
 * The forking server's health answers 500, or answers after 5 s (past the probe's timeout), through its
 * control file. The file outlives the server, so the harness sets it back to "ok" once the daemon has
 * decided to restart: as a real server's failure that a restart cures.
 */
final class FailingHealth implements Fault {

    private final FaultKind kind;
    private final String mode;

    FailingHealth(FaultKind kind, String mode) {
        this.kind = kind;
        this.mode = mode;
    }

    @Override
    public FaultRecord inject(Lane lane, AuditWatch.Serving s) {
        Bounds b = lane.bounds();
        int from = lane.audit().mark();
        long at = System.currentTimeMillis();
        TestServer.control(lane.control(), mode);
        Optional<JsonNode> decided;
        try {
            decided = lane.await(from, "restart_decided", e -> AuditWatch.generation(e) == s.generation(),
                    b.detectionMs(kind));
        } finally {
            TestServer.control(lane.control(), "ok");
        }
        Optional<JsonNode> healthy = lane.await(from, "runtime_healthy", e -> AuditWatch.generation(e) > s.generation(),
                b.recoveryMs(kind));
        String reason = decided.map(e -> e.path("reason").asText()).orElse("");
        if (decided.isPresent() && !reason.equals("unhealthy")) {
            lane.violation(kind + " decided with reason " + reason + ": " + decided.get());
        }
        return lane.record(kind, "", at, decided, at, healthy, "");
    }
}
