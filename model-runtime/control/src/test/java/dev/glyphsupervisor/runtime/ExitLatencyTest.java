package dev.glyphsupervisor.runtime;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Death is noticed at once: the time from SIGKILL of the server to its exit callback, with an orphaned
 * worker of it still alive (it holds the log open, as real workers do). The supervisor's relaunch budget
 * is p99 < 50 ms from death, so the callback must take a small part of it.
 */
class ExitLatencyTest {

    private static final int RUNS = 50;

    @TempDir
    Path tmp;
    private final List<LaunchedProcess> launched = new ArrayList<>();

    @AfterEach
    void cleanup() {
        for (LaunchedProcess p : launched) {
            Signals.killGroup(p.pgid(), Signals.SIGKILL);
        }
    }

    @Test
    void theExitCallbackFollowsDeathWithinMilliseconds() throws Exception {
        RuntimeLauncher launcher = new RuntimeLauncher();
        measure(launcher); // warm-up: the first death pays for class loading on the callback path
        List<Double> ours = new ArrayList<>();
        List<Double> plainJava = new ArrayList<>();
        for (int i = 0; i < RUNS; i++) {
            ours.add(measure(launcher));
            plainJava.add(measurePlainJava());
        }
        System.out.println("exit callback, ms from SIGKILL: " + summary(ours));
        System.out.println("baseline, java.lang.Process.waitFor, same machine: " + summary(plainJava));
        // Only the median is asserted: tail latency on a shared CI machine is the scheduler's, as the
        // plain-Java baseline printed beside it shows.
        assertTrue(percentile(ours, 0.5) < 20, summary(ours));
    }

    private double measure(RuntimeLauncher launcher) throws Exception {
        CompletableFuture<Long> calledAt = new CompletableFuture<>();
        LaunchedProcess p = launcher.launch(new LaunchSpec(List.of("sh", "-c", "sleep 100 & exec sleep 100"),
                null, Map.of(), tmp.resolve("latency.log"), 0), code -> calledAt.complete(System.nanoTime()));
        launched.add(p);
        Spawner.await("the worker to start", () -> ProcessTree.members(p), m -> m.size() == 2);
        long killedAt = System.nanoTime();
        Signals.kill(p.pid(), Signals.SIGKILL);
        double ms = (calledAt.get(10, TimeUnit.SECONDS) - killedAt) / 1e6;
        assertTrue(ProcessTree.members(p).size() == 1, "the orphaned worker lives on");
        return ms;
    }

    private static double measurePlainJava() throws Exception {
        Process p = new ProcessBuilder("sleep", "100").redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        Spawner.await("sleep to run", () -> ProcessTable.get(p.pid()).map(ProcInfo::comm).orElse(""),
                "sleep"::equals);
        long killedAt = System.nanoTime();
        Signals.kill(p.pid(), Signals.SIGKILL);
        p.waitFor();
        return (System.nanoTime() - killedAt) / 1e6;
    }

    private static String summary(List<Double> millis) {
        return String.format("n=%d p50 %.2f p90 %.2f p99 %.2f max %.2f", millis.size(), percentile(millis, 0.5),
                percentile(millis, 0.9), percentile(millis, 0.99), percentile(millis, 1.0));
    }

    private static double percentile(List<Double> values, double q) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        return sorted.get(Math.max(0, (int) Math.ceil(sorted.size() * q) - 1));
    }
}
