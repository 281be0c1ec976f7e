package dev.glyphsupervisor.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import dev.glyphsupervisor.e2e.TestServer;
import dev.glyphsupervisor.runtime.Signals;

import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * An operator's command racing a fault:
 * <ul>
 *   <li>restart+kill: {@code glyphctl restart --no-wait} while the server is SIGKILLed;</li>
 *   <li>stop+hang: the group SIGSTOPped, then {@code glyphctl stop} (the stop must end a stopped tree),
 *       then {@code glyphctl start};</li>
 *   <li>restart+500 (forking servers only): health answering 500 while {@code glyphctl restart} waits
 *       for healthy.</li>
 * </ul>
 * Detection is the daemon's first record about either; recovery a healthy server of a later generation.
 */
final class OperatorConcurrent implements Fault {

    @Override
    public FaultRecord inject(Lane lane, AuditWatch.Serving s) throws Exception {
        int variants = lane.target() == Lane.Target.REFERENCE ? 2 : 3; // a forking server (alone or in the stack) can answer 500
        return switch (lane.random().nextInt(variants)) {
            case 0 -> restartWhileKilled(lane, s);
            case 1 -> stopWhileHung(lane, s);
            default -> restartWhileFailing(lane, s);
        };
    }

    private FaultRecord restartWhileKilled(Lane lane, AuditWatch.Serving s) throws Exception {
        Bounds b = lane.bounds();
        int from = lane.audit().mark();
        long at = System.currentTimeMillis();
        CompletableFuture<Glyphctl.Result> restart = lane.glyphctl().start("restart", "--no-wait", "--reason", "chaos");
        Signals.killGroup(s.pid(), Signals.SIGKILL);
        Optional<JsonNode> first = lane.audit().awaitAny(from, Set.of("runtime_exited", "restart_decided"),
                e -> AuditWatch.generation(e) == s.generation(),
                java.time.Duration.ofMillis(2 * b.detectionMs(FaultKind.OPERATOR_CONCURRENT)));
        Glyphctl.Result r = restart.get(130, TimeUnit.SECONDS);
        if (r.exit() != 0) {
            lane.violation("OPERATOR restart+kill: " + r);
        }
        Optional<JsonNode> healthy = awaitSettled(lane, from, s);
        return lane.record(FaultKind.OPERATOR_CONCURRENT, "restart+kill", at, first, at, healthy, "");
    }

    private FaultRecord stopWhileHung(Lane lane, AuditWatch.Serving s) throws Exception {
        Bounds b = lane.bounds();
        int from = lane.audit().mark();
        long at = System.currentTimeMillis();
        Signals.killGroup(s.pid(), Signals.SIGSTOP);
        Glyphctl.Result stop = lane.glyphctl().run("stop");
        if (stop.exit() != 0) {
            lane.violation("OPERATOR stop+hang: " + stop);
        }
        Optional<JsonNode> paused = lane.await(from, "paused", e -> true, b.detectionMs(FaultKind.OPERATOR_CONCURRENT));
        lane.await(from, "runtime_stopped", e -> AuditWatch.generation(e) == s.generation(),
                b.recoveryMs(FaultKind.OPERATOR_CONCURRENT));
        if (!ServerTrees.of(lane.stateDir()).isEmpty()) {
            lane.violation("OPERATOR stop+hang: paused, yet server processes remain: " + ServerTrees.of(lane.stateDir()));
        }
        Glyphctl.Result start = lane.glyphctl().run("start");
        if (start.exit() != 0) {
            lane.violation("OPERATOR stop+hang: " + start);
        }
        Optional<JsonNode> healthy = lane.await(from, "runtime_healthy", e -> AuditWatch.generation(e) > s.generation(),
                b.recoveryMs(FaultKind.OPERATOR_CONCURRENT));
        return lane.record(FaultKind.OPERATOR_CONCURRENT, "stop+hang", at, paused, at, healthy, "");
    }

    private FaultRecord restartWhileFailing(Lane lane, AuditWatch.Serving s) throws Exception {
        Bounds b = lane.bounds();
        int from = lane.audit().mark();
        long at = System.currentTimeMillis();
        TestServer.control(lane.control(), "500");
        CompletableFuture<Glyphctl.Result> restart = lane.glyphctl().start("restart", "--reason", "chaos");
        Optional<JsonNode> decided;
        try {
            decided = lane.await(from, "restart_decided", e -> AuditWatch.generation(e) == s.generation(),
                    b.detectionMs(FaultKind.OPERATOR_CONCURRENT));
        } finally {
            TestServer.control(lane.control(), "ok");
        }
        Glyphctl.Result r = restart.get(130, TimeUnit.SECONDS);
        if (r.exit() != 0) {
            lane.violation("OPERATOR restart+500: " + r);
        }
        Optional<JsonNode> healthy = awaitSettled(lane, from, s);
        return lane.record(FaultKind.OPERATOR_CONCURRENT, "restart+500", at, decided, at, healthy,
                decided.map(d -> "first decision: " + d.path("reason").asText()).orElse(""));
    }

    /** A healthy server of a later generation (the command has finished: a late restart is already under way). */
    private static Optional<JsonNode> awaitSettled(Lane lane, int from, AuditWatch.Serving s) {
        return lane.await(from, "runtime_healthy", e -> AuditWatch.generation(e) > s.generation(),
                lane.bounds().recoveryMs(FaultKind.OPERATOR_CONCURRENT));
    }
}
