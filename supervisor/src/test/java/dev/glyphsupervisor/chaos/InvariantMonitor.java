package dev.glyphsupervisor.chaos;

import dev.glyphsupervisor.runtime.ProcInfo;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Checks "never two server trees" all through the run: a thread scans /proc every {@code period} ms and
 * counts, per lane, the sessions whose processes carry that lane's state directory. Each scan that finds
 * two or more is a violation, recorded with the trees it saw.
 */
final class InvariantMonitor implements AutoCloseable {

    private final List<Path> stateDirs;
    private final long periodMs;
    private final List<String> violations = Collections.synchronizedList(new ArrayList<>());
    private final AtomicLong scans = new AtomicLong();
    private final Thread thread;
    private volatile boolean running = true;

    InvariantMonitor(List<Path> stateDirs, long periodMs) {
        this.stateDirs = List.copyOf(stateDirs);
        this.periodMs = periodMs;
        this.thread = new Thread(this::run, "chaos-invariants");
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        while (running) {
            Map<String, Map<Long, List<ProcInfo>>> all = ServerTrees.scan();
            for (Path dir : stateDirs) {
                Map<Long, List<ProcInfo>> trees = all.getOrDefault(dir.toString(), Map.of());
                if (trees.size() > 1) {
                    violations.add(System.currentTimeMillis() + ": " + trees.size() + " server trees of " + dir + ": " + trees);
                }
            }
            scans.incrementAndGet();
            try {
                Thread.sleep(periodMs); // the sampling period of a monitor, not a wait for work to finish
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    long scans() {
        return scans.get();
    }

    List<String> violations() {
        synchronized (violations) {
            return List.copyOf(violations);
        }
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.interrupt();
        thread.join(5000);
    }
}
