package dev.glyphsupervisor.daemon;

import dev.glyphsupervisor.core.State;
import dev.glyphsupervisor.metrics.Health;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The kubelet's questions about a stack ({@code /livez}, {@code /readyz}), answered from the servers' snapshots and
 * their event loops' heartbeats: no probe runs.
 * <p>
 * Ready means the server takes traffic: RUNNING, or DEGRADED (it answers; its failed probes are still below the
 * threshold, and a restart, if one comes, takes it out then). Every other state has no healthy server behind it
 * (STARTING, STOPPING, BACKOFF, WAITING, FAILED, PAUSED, STOPPED), and once the daemon is stopping no server is ready.
 * So a restart the daemon makes takes the pod out of its Service from the stop to the next healthy probe only.
 */
final class StackHealth implements Health {

    /**
     * How long each loop gets to run a heartbeat for {@code /livez}: under the kubelet's default {@code timeoutSeconds}
     * of 1 s is too tight for a loop busy with a launch, so the manifests give the probe 3 s and this answers within 2.
     */
    static final Duration ANSWER_WITHIN = Duration.ofSeconds(2);

    private final Stack stack;
    private final Duration answerWithin;

    StackHealth(Stack stack) {
        this(stack, ANSWER_WITHIN);
    }

    StackHealth(Stack stack, Duration answerWithin) {
        this.stack = stack;
        this.answerWithin = answerWithin;
    }

    /** Whether a server in {@code state} takes traffic, while the daemon is stopping or not. */
    static boolean ready(State state, boolean shuttingDown) {
        return !shuttingDown && (state == State.RUNNING || state == State.DEGRADED);
    }

    @Override
    public List<Server> servers() {
        List<Server> servers = new ArrayList<>();
        for (String name : stack.names()) {
            Supervisor.Snapshot s = stack.server(name).snapshot();
            servers.add(new Server(name, s.state() + (s.shuttingDown() ? " (daemon stopping)" : ""),
                    ready(s.state(), s.shuttingDown())));
        }
        return servers;
    }

    @Override
    public List<String> stuckLoops() {
        return stack.stuckLoops(answerWithin);
    }

    @Override
    public Duration answerWithin() {
        return answerWithin;
    }
}
