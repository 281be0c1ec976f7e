package dev.glyphsupervisor.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import dev.glyphsupervisor.runtime.Signals;

import java.util.Optional;

/** SIGSTOP of the server's group: hung, its port still open (the kernel accepts); only the probes can tell. */
final class GroupStop implements Fault {

    @Override
    public FaultRecord inject(Lane lane, AuditWatch.Serving s) {
        Bounds b = lane.bounds();
        int from = lane.audit().mark();
        long at = System.currentTimeMillis();
        Signals.killGroup(s.pid(), Signals.SIGSTOP);
        Optional<JsonNode> decided = lane.await(from, "restart_decided", e -> AuditWatch.generation(e) == s.generation(),
                b.detectionMs(FaultKind.GROUP_SIGSTOP));
        Optional<JsonNode> healthy = lane.await(from, "runtime_healthy", e -> AuditWatch.generation(e) > s.generation(),
                b.recoveryMs(FaultKind.GROUP_SIGSTOP));
        String reason = decided.map(e -> e.path("reason").asText()).orElse("");
        if (decided.isPresent() && !reason.equals("unhealthy")) {
            lane.violation("GROUP_SIGSTOP decided with reason " + reason + ": " + decided.get());
        }
        return lane.record(FaultKind.GROUP_SIGSTOP, "", at, decided, at, healthy, "");
    }
}
