package dev.glyphsupervisor.core;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * Java 17 lets a new {@link Event} compile without a handler; this makes it fail instead. The machine's dispatch
 * table must name every concrete event type, and nothing else.
 */
class SupervisorStateMachineDispatchTest {

    private static final CoreSettings SETTINGS = new CoreSettings(Duration.ofMinutes(1), 2, Duration.ofSeconds(1),
            Duration.ofSeconds(10), Duration.ofMinutes(1), 5, Duration.ofMinutes(10));

    @Test
    void everyEventTypeHasAHandler() {
        Set<Class<?>> events = SealedLeaves.of(Event.class);
        assertFalse(events.isEmpty());
        assertEquals(events, Set.copyOf(new SupervisorStateMachine(SETTINGS, () -> 0.0).handledEvents()));
    }
}
