package dev.glyphsupervisor.daemon;

import dev.glyphsupervisor.core.State;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class RequirementsGateTest {

    /** ui and api require vllm; web requires api (so vllm through it). Written dependents first. */
    private static Map<String, List<String>> stack() {
        Map<String, List<String>> requires = new LinkedHashMap<>();
        requires.put("web", List.of("api"));
        requires.put("ui", List.of("vllm"));
        requires.put("api", List.of("vllm"));
        requires.put("vllm", List.of());
        requires.put("solo", List.of());
        return requires;
    }

    @Test
    void startOrderPutsEveryServerAfterWhatItRequiresAndKeepsTheWrittenOrderOtherwise() {
        assertEquals(List.of("vllm", "api", "web", "ui", "solo"), RequirementsGate.startOrder(stack()));
    }

    @Test
    void atStartEveryDependentWaitsForAllItsRequirementsDirectOrNot() {
        RequirementsGate gate = new RequirementsGate(stack());
        assertEquals(Map.of("api", List.of("vllm"), "web", List.of("vllm", "api"), "ui", List.of("vllm")),
                gate.verdicts());
        assertEquals(List.of("api", "web", "ui"), gate.dependentsOf("vllm"));
        assertEquals(List.of("vllm", "api"), gate.requirementsOf("web"));
    }

    @Test
    void dependentsOpenLevelByLevelAsWhatTheyRequireBecomesHealthy() {
        RequirementsGate gate = new RequirementsGate(stack());
        gate.verdicts();
        assertEquals(Map.of(), gate.changed("vllm", State.STARTING), "starting is not up");
        assertEquals(Map.of("api", List.of(), "web", List.of("api"), "ui", List.of()), gate.changed("vllm", State.RUNNING));
        assertEquals(Map.of(), gate.changed("api", State.STARTING));
        assertEquals(Map.of("web", List.of()), gate.changed("api", State.RUNNING));
        assertEquals(Map.of(), gate.changed("api", State.DEGRADED), "failing below the threshold keeps dependents");
    }

    @Test
    void aRequiredServerLeavingHealthClosesEveryDependentAtOnceAndReopensThemAfter() {
        RequirementsGate gate = new RequirementsGate(stack());
        gate.assume("vllm", State.RUNNING);
        gate.assume("api", State.RUNNING);
        assertEquals(Map.of("api", List.of(), "web", List.of(), "ui", List.of()), gate.verdicts());
        assertEquals(Map.of("api", List.of("vllm"), "web", List.of("vllm"), "ui", List.of("vllm")),
                gate.changed("vllm", State.STOPPING));
        assertEquals("vllm is STOPPING", gate.why(List.of("vllm")));
        assertEquals(Map.of(), gate.changed("vllm", State.BACKOFF), "the same requirements down: nothing new to say");
        assertEquals(Map.of("web", List.of("vllm", "api")), gate.changed("api", State.WAITING));
        assertEquals(Map.of("api", List.of(), "web", List.of("api"), "ui", List.of()), gate.changed("vllm", State.RUNNING));
    }

    @Test
    void aHeldServerIsDownForItsDependentsWhateverItsStateUntilReleased() {
        RequirementsGate gate = new RequirementsGate(stack());
        gate.assume("vllm", State.RUNNING);
        gate.assume("api", State.RUNNING);
        gate.verdicts();
        assertEquals(Map.of("web", List.of("api")), gate.hold(List.of("api")));
        assertEquals("api is being stopped on purpose", gate.why(List.of("api")));
        assertEquals(Map.of(), gate.changed("api", State.PAUSED));
        assertEquals(Map.of(), gate.release(List.of("api")), "paused is still down");
        assertEquals(Map.of("web", List.of()), gate.changed("api", State.RUNNING));
    }

    @Test
    void anUnknownNameIsRefused() {
        RequirementsGate gate = new RequirementsGate(stack());
        assertThrows(IllegalArgumentException.class, () -> gate.changed("nope", State.RUNNING));
    }
}
