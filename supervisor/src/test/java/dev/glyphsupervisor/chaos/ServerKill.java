package dev.glyphsupervisor.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import dev.glyphsupervisor.runtime.Signals;

import java.util.Optional;

/**
 * SIGKILL of the server: the whole group at once (a crash), or the parent only, so that its workers live
 * on as orphans holding the port (the daemon must find and end them before the relaunch can bind).
 */
final class ServerKill implements Fault {

    private final boolean parentOnly;

    ServerKill(boolean parentOnly) {
        this.parentOnly = parentOnly;
    }

    @Override
    public FaultRecord inject(Lane lane, AuditWatch.Serving s) {
        FaultKind kind = parentOnly ? FaultKind.PARENT_SIGKILL : FaultKind.SERVER_SIGKILL;
        Bounds b = lane.bounds();
        int from = lane.audit().mark();
        long at = System.currentTimeMillis();
        if (parentOnly) {
            Signals.kill(s.pid(), Signals.SIGKILL);
        } else {
            Signals.killGroup(s.pid(), Signals.SIGKILL);
        }
        // at once by the exit callback; or, for a server adopted from a killed daemon (not our child), by
        // whichever comes first: the exit watch or the probes
        Optional<JsonNode> exited = lane.audit().awaitAny(from, java.util.Set.of("runtime_exited", "restart_decided"),
                e -> AuditWatch.generation(e) == s.generation(), java.time.Duration.ofMillis(2 * b.detectionMs(kind)));
        Optional<JsonNode> healthy = lane.await(from, "runtime_healthy", e -> AuditWatch.generation(e) > s.generation(),
                b.recoveryMs(kind));
        String note = exited.filter(e -> !e.path("event").asText().equals("runtime_exited"))
                .map(e -> "noticed by " + e.path("reason").asText() + ", not by the exit").orElse("");
        if (parentOnly) {
            note = lane.audit().find(from, "runtime_stopped", e -> AuditWatch.generation(e) == s.generation())
                    .map(e -> "workers ended: " + e.path("termed") + " " + e.path("survivors_killed")).orElse("");
        }
        return lane.record(kind, s.adopted() ? "adopted" : "", at, exited, at, healthy, note);
    }
}
