package dev.glyphsupervisor.daemon;

import dev.glyphsupervisor.core.State;
import dev.glyphsupervisor.systemd.ServiceNotifier;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import java.util.logging.Logger;

/**
 * The servers of one daemon, each with its own supervisor, held together by what they require: a server is launched
 * only once everything it requires is healthy, stopped as soon as any of it is not (and started again after it is),
 * and stopped before what it requires when the daemon stops. One server's crash loop or FAILED state touches only the
 * servers that require it.
 * <p>
 * Every supervisor tells its state changes on its own event loop; the stack feeds them to the {@link RequirementsGate}
 * and posts the verdicts that changed to the dependents' loops, under one lock, so that a dependent hears its
 * verdicts in the order they were reached. systemd hears one status for the whole stack.
 */
final class Stack {

    private static final Logger LOG = Logger.getLogger(Stack.class.getName());

    private final Map<String, Supervisor> servers = new LinkedHashMap<>();
    private final Map<String, List<String>> requires;
    private final RequirementsGate gate;
    private final Object verdicts = new Object();
    private volatile boolean stopping;
    private volatile ServiceNotifier notifier = ServiceNotifier.NONE;
    private String lastStatus = "";

    /** {@code servers} and {@code requires} name the same servers; the order does not matter (see start order). */
    Stack(Map<String, Supervisor> servers, Map<String, List<String>> requires) {
        this.requires = Map.copyOf(requires);
        this.gate = new RequirementsGate(requires);
        for (String name : RequirementsGate.startOrder(requires)) {
            this.servers.put(name, servers.get(name));
        }
    }

    /** The servers, in start order (each after everything it requires). */
    List<String> names() {
        return List.copyOf(servers.keySet());
    }

    Supervisor server(String name) {
        Supervisor s = servers.get(name);
        if (s == null) {
            throw new IllegalArgumentException("no server named '" + name + "'");
        }
        return s;
    }

    /**
     * Starts every server in start order: {@code adopted} ones (a previous daemon's healthy servers) count as up
     * from the first moment, so that their adopted dependents keep running; every other dependent hears first that
     * it waits, then its start, and launches once what it requires is healthy.
     */
    void start(Set<String> adopted, Map<String, Runnable> starts) {
        synchronized (verdicts) {
            adopted.forEach(name -> gate.assume(name, State.RUNNING));
            tell(gate.verdicts());
        }
        servers.forEach((name, supervisor) -> supervisor.onChange(snapshot -> changed(name, snapshot)));
        for (String name : servers.keySet()) {
            starts.get(name).run();
        }
    }

    private void changed(String name, Supervisor.Snapshot snapshot) {
        if (!stopping) {
            synchronized (verdicts) {
                tell(gate.changed(name, snapshot.state()));
            }
        }
        tellSystemd();
    }

    private void tell(Map<String, List<String>> changed) {
        changed.forEach((name, down) -> {
            if (down.isEmpty()) {
                servers.get(name).requirementsUp();
            } else {
                servers.get(name).requirementsDown(down, gate.why(down));
            }
        });
    }

    /** The servers that require {@code name}, directly or not, in start order. */
    List<String> dependentsOf(String name) {
        return gate.dependentsOf(name);
    }

    /** Holds {@code name} down for its dependents (they stop) until {@link #release}: a planned stop of it. */
    void hold(String name) {
        synchronized (verdicts) {
            tell(gate.hold(List.of(name)));
        }
    }

    void release(String name) {
        synchronized (verdicts) {
            tell(gate.release(List.of(name)));
        }
    }

    /**
     * Stops every server, each only after every server that requires it has stopped; completes when all have.
     * From here on no verdict is posted: nothing is started again.
     */
    CompletableFuture<Void> shutdown(String reason) {
        stopping = true;
        Map<String, CompletableFuture<Void>> done = new LinkedHashMap<>();
        List<String> reverse = new ArrayList<>(servers.keySet());
        java.util.Collections.reverse(reverse);
        for (String name : reverse) {
            List<CompletableFuture<Void>> dependents = new ArrayList<>();
            servers.keySet().stream().filter(other -> requires.getOrDefault(other, List.of()).contains(name))
                    .forEach(other -> dependents.add(done.get(other)));
            Supervisor supervisor = servers.get(name);
            done.put(name, CompletableFuture.allOf(dependents.toArray(CompletableFuture[]::new))
                    .thenCompose(ignored -> {
                        supervisor.shutdown(reason);
                        return supervisor.finished();
                    }));
        }
        return CompletableFuture.allOf(done.values().toArray(CompletableFuture[]::new));
    }

    /** Completes when every server has stopped after a shutdown. */
    CompletableFuture<Void> finished() {
        return CompletableFuture.allOf(servers.values().stream().map(Supervisor::finished)
                .toArray(CompletableFuture[]::new));
    }

    /**
     * Tells systemd READY once every server's start has been handled by its loop (its first launch issued, or
     * adopted, or waiting for what it requires), then the stack's status at every change.
     */
    void readyTo(ServiceNotifier notifier, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (Supervisor s : servers.values()) {
            if (!s.loopAnswers(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())))) {
                LOG.warning("a server's event loop did not answer within " + timeout + "; telling systemd READY anyway");
                break;
            }
        }
        synchronized (this) {
            lastStatus = statusLine();
            notifier.ready(lastStatus);
            this.notifier = notifier;
        }
    }

    private void tellSystemd() {
        synchronized (this) {
            String line = statusLine();
            if (!line.equals(lastStatus)) {
                lastStatus = line;
                notifier.status(line);
            }
        }
    }

    /**
     * The line systemd shows: a stack of one keeps its server's own line; several say how many are healthy and
     * name the others with their state ("2/3 healthy; vllm FAILED").
     */
    String statusLine() {
        if (servers.size() == 1) {
            return servers.values().iterator().next().statusLine();
        }
        int healthy = 0;
        List<String> others = new ArrayList<>();
        for (Map.Entry<String, Supervisor> e : servers.entrySet()) {
            State state = e.getValue().snapshot().state();
            if (state == State.RUNNING) {
                healthy++;
            } else {
                others.add(e.getKey() + " " + state);
            }
        }
        return healthy + "/" + servers.size() + " healthy" + (others.isEmpty() ? "" : "; " + String.join(", ", others));
    }

    /** The watchdog's question, for every server's loop at once: does each run a heartbeat within {@code timeout}? */
    boolean loopsAnswer(Duration timeout) {
        return stuckLoops(timeout).isEmpty();
    }

    /**
     * The same question, naming who fails it: a heartbeat goes to every loop at once, and the servers whose loop has
     * not run it within {@code timeout} (one deadline for all) are returned in start order. Never waits longer.
     */
    List<String> stuckLoops(Duration timeout) {
        Map<String, CompletableFuture<Void>> beats = new LinkedHashMap<>();
        servers.forEach((name, s) -> beats.put(name, s.heartbeat()));
        long deadline = System.nanoTime() + timeout.toNanos();
        List<String> stuck = new ArrayList<>();
        for (Map.Entry<String, CompletableFuture<Void>> beat : beats.entrySet()) {
            try {
                beat.getValue().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (ExecutionException | TimeoutException | CancellationException e) {
                stuck.add(beat.getKey()); // closed, or stuck: the heartbeat stays queued and runs if the loop comes back
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                stuck.add(beat.getKey());
            }
        }
        return stuck;
    }

    /** Waits until every one of {@code names} satisfies {@code done}, or the timeout passes; whether they all did. */
    boolean await(List<String> names, Predicate<Supervisor.Snapshot> done, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (String name : names) {
            long left = deadline - System.nanoTime();
            Supervisor.Snapshot s = server(name).await(done, Duration.ofNanos(Math.max(0, left)));
            if (!done.test(s)) {
                return false;
            }
        }
        return true;
    }

    void close() {
        servers.values().forEach(Supervisor::close);
    }
}
