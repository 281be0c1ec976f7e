package dev.glyphsupervisor.daemon;

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
import java.util.Objects;
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
            Map<?, ?> n = (Map<?, ?>) Json.readPlain(bytes, 0, bytes.length);
            List<String> command = new ArrayList<>();
            if (n.get("command") instanceof List<?> args) {
                args.forEach(c -> command.add(String.valueOf(c)));
            }
            return Optional.of(new ServerRecord(number(n, "generation"), number(n, "pid"), number(n, "pgid"),
                    number(n, "start_ticks"), command, Instant.parse((String) n.get("launched_at"))));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** The number at {@code key}; a missing or other value fails the read (a RuntimeException, as a torn record does). */
    private static long number(Map<?, ?> record, String key) {
        return ((Number) Objects.requireNonNull(record.get(key), key)).longValue();
    }
}
