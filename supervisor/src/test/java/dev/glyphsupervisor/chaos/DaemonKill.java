package dev.glyphsupervisor.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import dev.glyphsupervisor.runtime.Signals;

import java.util.Optional;
import java.util.Set;

/**
 * SIGKILL of the daemon, then a new one on the same state directory at once, as systemd's
 * Restart=always would: the new daemon must adopt the healthy server it finds, or stop what it cannot
 * trust, and never leave two trees. The moment varies: while healthy, or mid-restart (the server was
 * just killed and the daemon had decided to restart it).
 */
final class DaemonKill implements Fault {

    @Override
    public FaultRecord inject(Lane lane, AuditWatch.Serving s) throws Exception {
        Bounds b = lane.bounds();
        boolean midRestart = lane.random().nextBoolean();
        int from = lane.audit().mark();
        if (midRestart) {
            Signals.killGroup(s.pid(), Signals.SIGKILL);
            lane.await(from, "restart_decided", e -> AuditWatch.generation(e) == s.generation(),
                    b.detectionMs(FaultKind.SERVER_SIGKILL));
        }
        long at = System.currentTimeMillis();
        lane.killDaemon();
        int mark = lane.audit().mark();
        lane.startDaemon();
        Optional<JsonNode> started = lane.await(mark, "supervisor_started", e -> true, b.detectionMs(FaultKind.DAEMON_SIGKILL));
        int after = started.map(lane.audit()::indexOf).orElse(mark);
        Optional<JsonNode> serving = lane.audit().awaitAny(after, Set.of("runtime_adopted", "runtime_healthy"), e -> true,
                java.time.Duration.ofMillis(2 * b.recoveryMs(FaultKind.DAEMON_SIGKILL)));
        for (JsonNode e : lane.audit().since(mark)) {
            if (e.path("event").asText().equals("orphan_stopped") && e.path("still_alive").size() > 0) {
                lane.violation("DAEMON_SIGKILL: an orphan tree survived its stop: " + e);
            }
        }
        String how = serving.map(e -> e.path("event").asText().equals("runtime_adopted") ? "adopted" : "relaunched").orElse("");
        return lane.record(FaultKind.DAEMON_SIGKILL, (midRestart ? "mid-restart" : "healthy") + "," + how, at, started,
                at, serving, "");
    }
}
