package dev.glyphsupervisor.daemon;

import dev.glyphsupervisor.json.Json;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * What outlives one daemon in its state directory ({@code <state_dir>/history.json}): the last generation
 * launched, the number of restarts since the state directory was made, and the times of the last day's restarts.
 * Without it every daemon start began again at generation 1 with no restarts, so the audit log's generations
 * repeated across daemon lives and {@code status} said "0 in the last 24 h" right after a crash loop that made
 * systemd restart the daemon. Written (to a temporary file, then renamed) at each launch and each restart
 * decision, from the event loop; read by the control channel, hence synchronized.
 */
final class StateHistory {

    static final String FILE = "history.json";
    /** The restart times kept: status reports the last 24 hours. */
    static final Duration KEPT = Duration.ofDays(1);

    private static final Logger LOG = Logger.getLogger(StateHistory.class.getName());

    private final Path stateDir;
    private long lastGeneration;
    private long totalRestarts;
    private final Deque<Instant> recentRestarts = new ArrayDeque<>();

    private StateHistory(Path stateDir) {
        this.stateDir = stateDir;
    }

    /**
     * The history in {@code stateDir}, empty when there is none yet. An unreadable one (a disk error, a hand edit)
     * is not a reason to stay down: it is said once, and the history starts again from what the audit log and the
     * server record still give (the caller takes the larger generation).
     */
    static StateHistory load(Path stateDir) {
        StateHistory h = new StateHistory(stateDir);
        Path file = stateDir.resolve(FILE);
        if (!Files.exists(file)) {
            return h;
        }
        try {
            byte[] bytes = Files.readAllBytes(file);
            Map<?, ?> n = Json.readPlain(bytes, 0, bytes.length) instanceof Map<?, ?> m ? m : Map.of();
            h.lastGeneration = n.get("last_generation") instanceof Number g ? g.longValue() : 0;
            h.totalRestarts = n.get("restarts_total") instanceof Number t ? t.longValue() : 0;
            if (n.get("restarts_recent") instanceof List<?> recent) {
                for (Object at : recent) {
                    h.recentRestarts.add(Instant.parse(String.valueOf(at)));
                }
            }
        } catch (IOException | DateTimeParseException e) {
            LOG.log(Level.WARNING, "cannot read " + file + " (" + e.getMessage() + "): generations and restart counts "
                    + "start again from what the server record holds");
        }
        return h;
    }

    synchronized long lastGeneration() {
        return lastGeneration;
    }

    /** Generation {@code generation} is about to be launched (or was adopted). */
    synchronized void launched(long generation) {
        if (generation > lastGeneration) {
            lastGeneration = generation;
            save();
        }
    }

    /** A restart was decided at {@code at}. */
    synchronized void restarted(Instant at) {
        totalRestarts++;
        recentRestarts.addLast(at);
        forgetBefore(at.minus(KEPT));
        save();
    }

    synchronized long totalRestarts() {
        return totalRestarts;
    }

    /** Restarts decided since {@code since} (at most {@link #KEPT} ago). */
    synchronized long restartsSince(Instant since) {
        return recentRestarts.stream().filter(t -> !t.isBefore(since)).count();
    }

    private void forgetBefore(Instant oldest) {
        while (!recentRestarts.isEmpty() && recentRestarts.peekFirst().isBefore(oldest)) {
            recentRestarts.removeFirst();
        }
    }

    private void save() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("last_generation", lastGeneration);
        m.put("restarts_total", totalRestarts);
        List<String> recent = new ArrayList<>();
        recentRestarts.forEach(t -> recent.add(t.toString()));
        m.put("restarts_recent", recent);
        try {
            AtomicFile.replace(stateDir.resolve(FILE), Json.write(m));
        } catch (IOException e) {
            // The supervision goes on; only the numbers of the next daemon's life are at stake.
            LOG.log(Level.WARNING, "cannot write " + stateDir.resolve(FILE) + ": " + e.getMessage());
        }
    }
}
