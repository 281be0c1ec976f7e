package dev.glyphsupervisor.daemon;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class CloserTest {

    /** Reverse order of opening, the one marked last at the end, and a failure to close one closes the rest. */
    @Test
    void closesInReverseOrderTheLastOneLastAndEveryOneDespiteFailures() {
        List<String> closed = new ArrayList<>();
        Closer open = new Closer();
        open.push("metrics", () -> closed.add("metrics"));
        open.pushLast("lock", () -> closed.add("lock"));
        open.push("audit", () -> {
            closed.add("audit");
            throw new IOException("disk gone");
        });
        open.push("supervisor", () -> {
            closed.add("supervisor");
            throw new IllegalStateException("already closed");
        });
        open.push("ticker", () -> closed.add("ticker"));
        open.close();
        open.close(); // each once
        assertEquals(List.of("ticker", "supervisor", "audit", "metrics", "lock"), closed);
    }
}
