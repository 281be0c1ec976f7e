package dev.glyphsupervisor.reference;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class RequestHistoryTest {

    private static final RequestHistory.Entry ENTRY =
            new RequestHistory.Entry(Instant.EPOCH, "m", List.of("text"), List.of(new float[] {1f}));

    @Test
    void offKeepsNothing() {
        RequestHistory history = new RequestHistory(RequestHistory.OFF);
        history.record(ENTRY);
        assertEquals(0, history.size());
        assertEquals("off", history.mode());
    }

    @Test
    void unboundedKeepsEverything() {
        RequestHistory history = new RequestHistory(RequestHistory.UNBOUNDED);
        for (int i = 0; i < 1000; i++) {
            history.record(ENTRY);
        }
        assertEquals(1000, history.size());
        assertEquals("unbounded", history.mode());
    }

    @Test
    void aLimitKeepsTheNewest() {
        RequestHistory history = new RequestHistory(3);
        for (int i = 0; i < 10; i++) {
            history.record(ENTRY);
        }
        assertEquals(3, history.size());
        assertEquals(10, history.recorded());
        assertEquals("3", history.mode());
    }
}
