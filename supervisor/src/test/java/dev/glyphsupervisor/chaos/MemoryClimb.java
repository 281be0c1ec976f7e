package dev.glyphsupervisor.chaos;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Embedding traffic into the reference runtime, whose unbounded history keeps every request, until the
 * daemon restarts it for host memory. Detection is timed from the moment a sampler (every 20 ms) first
 * saw the server's RSS over max_rss; the daemon, sampling on its own schedule, may see it first (then 0).
 */
final class MemoryClimb implements Fault {

    /** Time the traffic may take to fill the headroom on a busy 2-core machine. */
    private static final long TRAFFIC_MS = 120_000;

    @Override
    public FaultRecord inject(Lane lane, AuditWatch.Serving s) throws Exception {
        Bounds b = lane.bounds();
        int from = lane.audit().mark();
        long start = System.currentTimeMillis();
        AtomicLong breachSeen = new AtomicLong(-1);
        Thread sampler = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                if (ReferenceRuntime.rss(s.pid()) > lane.maxRss()) {
                    breachSeen.compareAndSet(-1, System.currentTimeMillis());
                    return;
                }
                try {
                    Thread.sleep(20); // the sampling period
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "chaos-rss");
        sampler.setDaemon(true);
        sampler.start();
        int requests = 0;
        try {
            while (lane.audit().find(from, "restart_decided", e -> AuditWatch.generation(e) == s.generation()).isEmpty()
                    && System.currentTimeMillis() - start < TRAFFIC_MS) {
                try {
                    if (ReferenceRuntime.embed(lane.port()) != 200) {
                        break;
                    }
                    requests++;
                } catch (java.io.IOException stoppedMidRequest) {
                    break; // the restart this fault waits for
                }
            }
        } finally {
            sampler.interrupt();
            sampler.join(1000);
        }
        Optional<JsonNode> decided = lane.await(from, "restart_decided", e -> AuditWatch.generation(e) == s.generation(),
                b.detectionMs(FaultKind.HOST_MEMORY));
        long effective = breachSeen.get() >= 0 ? breachSeen.get() : decided.map(AuditWatch::millis).orElse(start);
        Optional<JsonNode> healthy = lane.await(from, "runtime_healthy", e -> AuditWatch.generation(e) > s.generation(),
                b.recoveryMs(FaultKind.HOST_MEMORY));
        String note = requests + " requests in " + (effective - start) + " ms";
        if (decided.isPresent()) {
            JsonNode d = decided.get();
            if (!d.path("reason").asText().equals("host_memory")) {
                lane.violation("HOST_MEMORY decided with reason " + d.path("reason").asText() + ": " + d);
            } else if (d.path("value").asLong() <= d.path("limit").asLong() || d.path("limit").asLong() != lane.maxRss()) {
                lane.violation("HOST_MEMORY restart without the values behind it: " + d);
            }
            note += breachSeen.get() < 0 ? "; the daemon saw the breach before the harness" : "";
        }
        return lane.record(FaultKind.HOST_MEMORY, "", effective, decided, effective, healthy, note);
    }
}
