package dev.glyphsupervisor.chaos;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The machine's 1-minute load average every 10 s: the soak shares its cores with whatever else runs
 * (other builds), and its latencies are only comparable with the load they were measured under.
 */
final class LoadSampler implements AutoCloseable {

    private final List<Double> samples = Collections.synchronizedList(new ArrayList<>());
    private final Thread thread;
    private volatile boolean running = true;

    LoadSampler() {
        thread = new Thread(() -> {
            while (running) {
                try {
                    samples.add(Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]));
                    Thread.sleep(10_000); // the sampling period
                } catch (InterruptedException e) {
                    return;
                } catch (Exception unreadable) {
                    return;
                }
            }
        }, "chaos-load");
        thread.setDaemon(true);
        thread.start();
    }

    /** "mean M, max X over N samples". */
    String summary() {
        List<Double> s;
        synchronized (samples) {
            s = List.copyOf(samples);
        }
        if (s.isEmpty()) {
            return "no samples";
        }
        return String.format("1-min load average: mean %.1f, max %.1f over %d samples (10 s apart)",
                s.stream().mapToDouble(Double::doubleValue).average().orElse(0),
                s.stream().mapToDouble(Double::doubleValue).max().orElse(0), s.size());
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.interrupt();
        thread.join(5000);
    }
}
