package dev.glyphsupervisor.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StateHistoryTest {

    private static final Instant NOON = Instant.parse("2026-12-06T12:00:00Z");

    @TempDir
    Path stateDir;

    @Test
    void aNewStateDirectoryHasNoHistory() {
        StateHistory h = StateHistory.load(stateDir);
        assertEquals(0, h.lastGeneration());
        assertEquals(0, h.restarts().total());
        assertEquals(0, h.restarts().since(NOON.minus(Duration.ofDays(1))));
    }

    @Test
    void whatOneDaemonRecordedTheNextReadsBack() {
        StateHistory first = StateHistory.load(stateDir);
        first.launched(1);
        restarted(first, NOON.minus(Duration.ofHours(30)));
        first.launched(2);
        restarted(first, NOON.minus(Duration.ofHours(2)));
        first.launched(3);

        StateHistory next = StateHistory.load(stateDir);

        assertEquals(3, next.lastGeneration());
        assertEquals(2, next.restarts().total());
        assertEquals(1, next.restarts().since(NOON.minus(Duration.ofDays(1))), "the one 30 h ago is not in the last day");
    }

    @Test
    void theGenerationNeverGoesBack() {
        StateHistory h = StateHistory.load(stateDir);
        h.launched(9);
        h.launched(4); // an adopted server's older generation, say

        assertEquals(9, StateHistory.load(stateDir).lastGeneration());
    }

    @Test
    void restartTimesOlderThanADayAreForgottenOnTheNextRestart() throws Exception {
        StateHistory h = StateHistory.load(stateDir);
        restarted(h, NOON.minus(Duration.ofDays(3)));
        restarted(h, NOON);

        assertEquals(1, StateHistory.load(stateDir).restarts().since(NOON.minus(Duration.ofDays(5))));
        assertEquals(2, StateHistory.load(stateDir).restarts().total());
        assertEquals(false, Files.readString(stateDir.resolve(StateHistory.FILE)).contains("2026-12-03"));
    }

    @Test
    void anUnreadableHistoryStartsAgainInsteadOfStoppingTheDaemon() throws Exception {
        Files.writeString(stateDir.resolve(StateHistory.FILE), "{\"last_generation\": 5, \"restarts_recent\": [\"not a time\"]");

        StateHistory h = StateHistory.load(stateDir);
        h.launched(1);

        assertEquals(1, StateHistory.load(stateDir).lastGeneration());
    }

    /** What the daemon does at a restart decision: the machine's history, one longer, written back. */
    private static void restarted(StateHistory h, Instant at) {
        h.restarted(h.restarts().plus(at));
    }
}
