package dev.glyphsupervisor.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import dev.glyphsupervisor.audit.AuditFollower;
import dev.glyphsupervisor.runtime.ProcInfo;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The stack lane's dependency invariants, checked all through the run (a thread every {@code periodMs}) on
 * the audit log as it grows and on /proc:
 * <ul>
 *   <li><b>No dependent outlives what it requires by more than its stop.</b> From the audit, the required
 *       server is up from its {@code runtime_healthy}/{@code runtime_adopted} and down from the first of
 *       {@code runtime_exited}, {@code restart_decided}, {@code runtime_stopped}, {@code paused},
 *       {@code port_in_use}, {@code launch_failed}, {@code launch_refused} after that. A new daemon's
 *       {@code supervisor_started} makes it down too (until adopted), and restarts the clock: a daemon
 *       cannot act before it runs, and while none runs (between a SIGKILL and its successor's
 *       {@code supervisor_started}) nothing is checked. A dependent with a live process (its state
 *       directory's marker in /proc) while the required one has been down for longer than {@code boundMs}
 *       (the dependent's stop_grace + kill_timeout + slack) is a violation; the audit is read again before
 *       reporting, so a healthy record written between the read and the scan does not count.</li>
 *   <li><b>No dependent launched while what it requires is not healthy</b> (the health gate): each
 *       dependent's {@code runtime_launched}, in log order, must come while the required server is up.</li>
 * </ul>
 */
final class StackMonitor implements AutoCloseable {

    private static final Set<String> DOWN = Set.of("runtime_exited", "restart_decided", "runtime_stopped", "paused",
            "port_in_use", "launch_failed", "launch_refused");

    private final Lane stack;
    private final String required;
    private final List<String> dependents;
    private final Map<String, Path> stateDirs;
    private final long boundMs;
    private final long periodMs;
    private final AuditFollower follower;
    private final List<String> violations = Collections.synchronizedList(new ArrayList<>());
    private final AtomicLong scans = new AtomicLong();
    private final AtomicLong downEpisodes = new AtomicLong();
    private final AtomicLong longestDownWithDependentMs = new AtomicLong();
    private final Thread thread;
    private volatile boolean running = true;

    // the required server's state as the audit says, and the last daemon start
    private boolean up;
    private long downSince = -1;
    private long downSeq = -1;
    private String downEvent = "";
    private long lastStarted = -1;
    /** Dependents already reported for the current down episode (one violation per dependent per episode). */
    private final Set<String> reported = new HashSet<>();

    StackMonitor(Lane stack, String required, List<String> dependents, Map<String, Path> stateDirs, long boundMs,
                 long periodMs) {
        this.stack = stack;
        this.required = required;
        this.dependents = List.copyOf(dependents);
        this.stateDirs = Map.copyOf(stateDirs);
        this.boundMs = boundMs;
        this.periodMs = periodMs;
        this.follower = new AuditFollower(stack.auditPath());
        this.thread = new Thread(this::run, "chaos-stack-invariants");
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        while (running) {
            try {
                check();
            } catch (RuntimeException | IOException e) {
                violations.add("stack monitor failed: " + e);
            }
            scans.incrementAndGet();
            try {
                Thread.sleep(periodMs); // the sampling period of a monitor, not a wait for work to finish
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private synchronized void check() throws IOException {
        poll();
        if (stack.daemonPid() < 0 || lastStarted < stack.daemonSpawnedAt() || up) {
            return; // no daemon that could act yet, or nothing to check
        }
        long now = System.currentTimeMillis();
        long down = now - downSince;
        if (down <= boundMs) {
            return;
        }
        Map<String, Map<Long, List<ProcInfo>>> all = ServerTrees.scan();
        for (String dependent : dependents) {
            Map<Long, List<ProcInfo>> trees = all.getOrDefault(stateDirs.get(dependent).toString(), Map.of());
            if (trees.isEmpty() || reported.contains(dependent)) {
                continue;
            }
            poll(); // a healthy record written since the read above ends the episode
            if (up) {
                return;
            }
            longestDownWithDependentMs.accumulateAndGet(down, Math::max);
            reported.add(dependent);
            violations.add(now + ": " + dependent + " has live processes " + trees + " while " + required
                    + " has been down for " + down + " ms (> " + boundMs + " ms), since " + downEvent + " seq " + downSeq
                    + " at " + downSince);
        }
    }

    /** Reads the records written since the last poll and follows the required server's state. */
    private void poll() throws IOException {
        follower.poll(this::apply);
    }

    private void apply(JsonNode e) {
        String event = e.path("event").asText();
        String server = e.path("server").asText(null);
        long ts = AuditWatch.millis(e);
        if (event.equals("supervisor_started")) {
            lastStarted = ts;
            markDown(e, ts);
            return;
        }
        if (required.equals(server)) {
            if (event.equals("runtime_healthy") || event.equals("runtime_adopted")) {
                up = true;
                downSince = -1;
            } else if (DOWN.contains(event) && up) {
                markDown(e, ts);
            }
        } else if (dependents.contains(server) && event.equals("runtime_launched") && !up) {
            violations.add(server + " launched (seq " + e.path("seq").asLong() + ", generation " + AuditWatch.generation(e)
                    + ") while " + required + " was not healthy (down since " + downEvent + " seq " + downSeq + ")");
        }
    }

    private void markDown(JsonNode e, long ts) {
        up = false;
        downSince = ts;
        downSeq = e.path("seq").asLong();
        downEvent = e.path("event").asText();
        reported.clear();
        downEpisodes.incrementAndGet();
    }

    /** Times the required server went down (a daemon start counts as one), as the audit says. */
    long downEpisodes() {
        return downEpisodes.get();
    }

    long scans() {
        return scans.get();
    }

    List<String> violations() {
        synchronized (violations) {
            return List.copyOf(violations);
        }
    }

    /** The last records, read once more (the run's end), then the thread stopped. */
    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.interrupt();
        thread.join(5000);
        try {
            synchronized (this) {
                poll();
            }
        } catch (IOException e) {
            violations.add("stack monitor's last read failed: " + e);
        }
    }
}
