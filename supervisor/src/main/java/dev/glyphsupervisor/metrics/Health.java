package dev.glyphsupervisor.metrics;

import java.time.Duration;
import java.util.List;

/**
 * What the kubelet's probes ask the daemon, answered from what it already knows: {@code /livez} and {@code /readyz}
 * on the metrics listener ({@link HealthEndpoints}). Nothing here runs a probe of a server.
 */
public interface Health {

    /**
     * One server as its last published state has it.
     *
     * @param state the state's name, with a note where it matters ("RUNNING (daemon stopping)")
     * @param ready whether it takes traffic now
     */
    record Server(String name, String state, boolean ready) {
    }

    /** Every server of the daemon, in start order. */
    List<Server> servers();

    /**
     * The servers whose event loop did not run a heartbeat within {@link #answerWithin()}, in start order; empty when
     * every loop did. Returns within that bound.
     */
    List<String> stuckLoops();

    /** How long {@link #stuckLoops()} gives each loop to answer. */
    Duration answerWithin();
}
