package dev.glyphsupervisor.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import dev.glyphsupervisor.json.Json;
import dev.glyphsupervisor.runtime.LaunchedProcess;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The server the daemon launched, written to {@code <state_dir>/runtime.json} after each launch and
 * removed after each complete stop, so that a daemon started after this one was SIGKILLed can find the
 * server it left behind. The start time (clock ticks since boot, from /proc) tells the recorded process
 * from a later one that reused its pid.
 */
record ServerRecord(long generation, long pid, long pgid, long startTicks, List<String> command, Instant launchedAt) {

    static final String FILE = "runtime.json";

    static ServerRecord of(long generation, LaunchedProcess p) {
        return new ServerRecord(generation, p.pid(), p.pgid(), p.startTicks(), p.command(), p.launchedAt());
    }

    /** The recorded server as a tree; {@code marker}: the state directory its processes carry, or null. */
    LaunchedProcess process(String marker) {
        return new LaunchedProcess(pid, pgid, startTicks, command, launchedAt, marker);
    }

    /** Written to a temporary file and renamed, so a crash never leaves half a record. */
    void write(Path stateDir) throws IOException {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("generation", generation);
        m.put("pid", pid);
        m.put("pgid", pgid);
        m.put("start_ticks", startTicks);
        m.put("command", command);
        m.put("launched_at", launchedAt.toString());
        AtomicFile.replace(stateDir.resolve(FILE), Json.write(m));
    }

    static void delete(Path stateDir) throws IOException {
        Files.deleteIfExists(stateDir.resolve(FILE));
    }

    /** The record, or empty when there is none or it cannot be read (then the marker scan still finds the tree). */
    static Optional<ServerRecord> read(Path stateDir) {
        Path file = stateDir.resolve(FILE);
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        try {
            byte[] bytes = Files.readAllBytes(file);
            JsonNode n = Json.read(bytes, 0, bytes.length);
            List<String> command = new ArrayList<>();
            n.path("command").forEach(c -> command.add(c.asText()));
            return Optional.of(new ServerRecord(n.get("generation").asLong(), n.get("pid").asLong(), n.get("pgid").asLong(),
                    n.get("start_ticks").asLong(), command, Instant.parse(n.get("launched_at").asText())));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }
}
