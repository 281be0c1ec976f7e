package dev.glyphsupervisor.daemon;

import dev.glyphsupervisor.core.RestartHistory;
import dev.glyphsupervisor.json.Json;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
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
 * decision. It counts nothing itself: the restarts are the state machine's {@link RestartHistory}, which starts from
 * the one read here, and each decision's new value is written back. Synchronized: a launch (event loop) and an
 * adoption (the daemon's main thread) may write it.
 */
final class StateHistory {

    static final String FILE = "history.json";
    private static final Logger LOG = Logger.getLogger(StateHistory.class.getName());

    private final Path stateDir;
    private long lastGeneration;
    private RestartHistory restarts = RestartHistory.NONE;

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
            long total = n.get("restarts_total") instanceof Number t ? t.longValue() : 0;
            h.restarts = new RestartHistory(total, List.of()); // kept if a time below cannot be read
            List<Instant> recent = new ArrayList<>();
            if (n.get("restarts_recent") instanceof List<?> times) {
                for (Object at : times) {
                    recent.add(Instant.parse(String.valueOf(at)));
                }
            }
            h.restarts = new RestartHistory(total, recent);
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

    /** The restarts as last read or written. */
    synchronized RestartHistory restarts() {
        return restarts;
    }

    /** A restart was decided: {@code now} is the restart history with it. */
    synchronized void restarted(RestartHistory now) {
        restarts = now;
        save();
    }

    private void save() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("last_generation", lastGeneration);
        m.put("restarts_total", restarts.total());
        List<String> recent = new ArrayList<>();
        restarts.recent().forEach(t -> recent.add(t.toString()));
        m.put("restarts_recent", recent);
        try {
            AtomicFile.replace(stateDir.resolve(FILE), Json.write(m));
        } catch (IOException e) {
            // The supervision goes on; only the numbers of the next daemon's life are at stake.
            LOG.log(Level.WARNING, "cannot write " + stateDir.resolve(FILE) + ": " + e.getMessage());
        }
    }
}
