package dev.glyphsupervisor.daemon;

import dev.glyphsupervisor.control.ControlException;
import dev.glyphsupervisor.control.ControlReply;
import dev.glyphsupervisor.control.ControlRequest;
import dev.glyphsupervisor.control.ControlServer;
import dev.glyphsupervisor.control.RestartReply;
import dev.glyphsupervisor.control.ServersReply;
import dev.glyphsupervisor.control.StopReply;
import dev.glyphsupervisor.core.State;
import dev.glyphsupervisor.core.SupervisorStateMachine;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The control channel of a daemon of one or several servers: each command goes to the server it names (or to the
 * only one), and a planned restart or stop of a server that others require stops those first, as systemd's
 * {@code PartOf=} would, and waits for them again after it.
 */
final class StackControl implements ControlServer.Handler {

    private final Stack stack;
    private final Map<String, DaemonControl> servers = new LinkedHashMap<>();

    StackControl(Stack stack, List<DaemonControl> servers) {
        this.stack = stack;
        for (String name : stack.names()) {
            servers.stream().filter(c -> c.server().name().equals(name)).findFirst()
                    .ifPresent(c -> this.servers.put(name, c));
        }
    }

    @Override
    public ControlReply handle(ControlRequest<?> request, String user) throws InterruptedException {
        if (request instanceof ControlRequest.Servers) {
            return lines();
        }
        DaemonControl server = server(request);
        if (request instanceof ControlRequest.Status) {
            return server.status();
        }
        if (request instanceof ControlRequest.Restart restart) {
            return restart(server, restart, user);
        }
        if (request instanceof ControlRequest.Stop) {
            return stop(server, user);
        }
        if (request instanceof ControlRequest.Start) {
            return server.start(user);
        }
        throw new IllegalArgumentException("unknown command '" + request.command() + "'");
    }

    private ServersReply lines() {
        List<ServersReply.Line> lines = new ArrayList<>();
        servers.forEach((name, control) -> {
            SupervisorStateMachine.Waiting waiting = control.supervisor().snapshot().waiting();
            lines.add(control.line(waiting == null ? List.of() : waiting.requires()));
        });
        return new ServersReply(lines);
    }

    private DaemonControl server(ControlRequest<?> request) {
        String name = request.server();
        if (name == null) {
            if (servers.size() == 1) {
                return servers.values().iterator().next();
            }
            throw new ControlException(ControlException.Kind.NAME_NEEDED, "this daemon supervises "
                    + servers.size() + " servers (" + String.join(", ", servers.keySet()) + "): name one, or use --all");
        }
        DaemonControl server = servers.get(name);
        if (server == null) {
            throw new ControlException(ControlException.Kind.UNKNOWN_SERVER, "no server '" + name
                    + "'; the servers are " + String.join(", ", servers.keySet()));
        }
        return server;
    }

    /**
     * Restarts {@code server}; when others require it, they are stopped first (held waiting), and once it is healthy
     * again they are started, and the answer waits for them too.
     */
    private RestartReply restart(DaemonControl server, ControlRequest.Restart request, String user)
            throws InterruptedException {
        String name = server.server().name();
        List<String> dependents = stack.dependentsOf(name);
        if (dependents.isEmpty() || !request.awaitHealthy()) {
            return server.restart(request, user);
        }
        long started = System.nanoTime();
        Map<String, Long> generations = new LinkedHashMap<>();
        dependents.forEach(d -> generations.put(d, stack.server(d).snapshot().generation()));
        stack.hold(name);
        RestartReply reply;
        try {
            stack.await(dependents, s -> !s.state().hasProcess() && s.state() != State.STOPPING, stopBudget(dependents));
            reply = server.restart(request, user);
        } finally {
            stack.release(name);
        }
        RestartReply.Finished finished = (RestartReply.Finished) reply;
        if (finished.healthy()) { // else they wait for it, and so would the answer: it says so at once instead
            long deadline = System.nanoTime() + request.timeout().orElse(startBudget(dependents)).toNanos();
            for (String d : dependents) {
                long before = generations.get(d);
                stack.server(d).await(s -> (s.state() == State.RUNNING && s.generation() > before)
                        || s.state() == State.FAILED || s.state() == State.PAUSED || s.shuttingDown(),
                        Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
            }
        }
        Map<String, String> states = new LinkedHashMap<>();
        boolean healthy = finished.healthy();
        for (String d : dependents) {
            Supervisor.Snapshot s = stack.server(d).snapshot();
            states.put(d, s.state().name());
            healthy &= s.state() == State.RUNNING && s.generation() > generations.get(d);
        }
        return new RestartReply.Finished(healthy, finished.state(), finished.generation(), finished.pid(),
                (System.nanoTime() - started) / 1_000_000, states);
    }

    /** Stops {@code server} on purpose; the servers that require it are stopped first and wait for its start. */
    private StopReply stop(DaemonControl server, String user) throws InterruptedException {
        String name = server.server().name();
        List<String> dependents = stack.dependentsOf(name);
        if (dependents.isEmpty()) {
            return server.stop(user);
        }
        stack.hold(name);
        try {
            stack.await(dependents, s -> !s.state().hasProcess() && s.state() != State.STOPPING, stopBudget(dependents));
            StopReply stopped = server.stop(user);
            return new StopReply(stopped.state(), stopped.pausedBy(), dependents);
        } finally {
            stack.release(name); // paused, it stays down for them until started
        }
    }

    private Duration stopBudget(List<String> names) {
        return names.stream().map(n -> ShutdownBudget.of(servers.get(n).server()).total())
                .reduce(Duration.ZERO, Duration::plus);
    }

    private Duration startBudget(List<String> names) {
        return names.stream().map(n -> servers.get(n).server().runtime().startupTimeout())
                .reduce(Duration.ZERO, Duration::plus);
    }
}
