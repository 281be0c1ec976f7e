package dev.glyphsupervisor.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import dev.glyphsupervisor.runtime.Signals;

import java.util.Optional;

/**
 * The cache directory is made unusable ({@link CacheBlock}), then the server is killed so that its
 * relaunch meets the blocked cache: the reference runtime refuses to start without a writable cache
 * (exit 2), and the daemon must back off and retry rather than spin, and clear what it can (an entry
 * seeded before the block makes its clearing meet the block, and record errors instead of failing). Detection is
 * the first relaunch's exit 2; the harness then lifts the block, and recovery is timed from there.
 */
final class CacheUnwritable implements Fault {

    @Override
    public FaultRecord inject(Lane lane, AuditWatch.Serving s) throws Exception {
        Bounds b = lane.bounds();
        CacheBlock block = lane.cacheBlock();
        int from = lane.audit().mark();
        // an entry that the daemon's cache clearing must try to remove from the blocked directory
        java.nio.file.Path entry = java.nio.file.Files.createDirectories(block.dir().resolve("chaos"));
        java.nio.file.Files.writeString(entry.resolve("seeded.vec"), "seeded by the chaos soak\n");
        block.apply();
        long at = System.currentTimeMillis();
        Optional<JsonNode> failed;
        long cleared;
        try {
            Signals.killGroup(s.pid(), Signals.SIGKILL);
            failed = lane.await(from, "runtime_exited",
                    e -> AuditWatch.generation(e) > s.generation() && e.path("exit_code").asInt() == 2,
                    b.detectionMs(FaultKind.CACHE_UNWRITABLE));
        } finally {
            block.clear();
            cleared = System.currentTimeMillis();
        }
        Optional<JsonNode> healthy = lane.await(from, "runtime_healthy", e -> AuditWatch.generation(e) > s.generation(),
                b.recoveryMs(FaultKind.CACHE_UNWRITABLE));
        long clearErrors = lane.audit().since(from).stream()
                .filter(e -> e.path("event").asText().equals("caches_cleared") && e.path("errors").size() > 0).count();
        return lane.record(FaultKind.CACHE_UNWRITABLE, block.mechanism().name(), at, failed, cleared, healthy,
                clearErrors > 0 ? clearErrors + " cache clearings recorded errors" : "");
    }
}
