package dev.glyphsupervisor.chaos;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.LongSupplier;
import java.util.stream.Stream;

/**
 * The daemon's RSS, thread count and open file descriptors from /proc, sampled every few seconds by a
 * thread. "Flat after warm-up" compares the median of the samples taken in the second tenth of the run
 * (the daemon has loaded its classes and seen every kind of fault once or twice) with the median of the
 * last tenth; medians, because a single sample may catch a transient thread (a stop in flight) or a heap
 * not yet collected.
 */
final class ResourceSampler implements AutoCloseable {

    record Sample(long atMs, long pid, long rssKb, long threads, long fds, List<String> threadNames) {
    }

    record Verdict(long rssKbWarm, long rssKbEnd, long threadsWarm, long threadsEnd, long fdsWarm, long fdsEnd,
                   int samples, String threadChange) {
        double growth(long warm, long end) {
            return warm <= 0 ? 0 : (end - warm) * 100.0 / warm;
        }

        /** The metrics over {@code limitPercent} growth, empty when flat. */
        List<String> overLimit(double limitPercent) {
            List<String> over = new ArrayList<>();
            if (growth(rssKbWarm, rssKbEnd) >= limitPercent) {
                over.add(String.format("RSS %d -> %d kB (%+.1f%%)", rssKbWarm, rssKbEnd, growth(rssKbWarm, rssKbEnd)));
            }
            if (growth(threadsWarm, threadsEnd) >= limitPercent) {
                over.add(String.format("threads %d -> %d (%+.1f%%)", threadsWarm, threadsEnd, growth(threadsWarm, threadsEnd)));
            }
            if (growth(fdsWarm, fdsEnd) >= limitPercent) {
                over.add(String.format("fds %d -> %d (%+.1f%%)", fdsWarm, fdsEnd, growth(fdsWarm, fdsEnd)));
            }
            return over;
        }

        @Override
        public String toString() {
            return String.format("RSS %d -> %d kB (%+.1f%%), threads %d -> %d (%+.1f%%), fds %d -> %d (%+.1f%%), %d samples%s",
                    rssKbWarm, rssKbEnd, growth(rssKbWarm, rssKbEnd), threadsWarm, threadsEnd,
                    growth(threadsWarm, threadsEnd), fdsWarm, fdsEnd, growth(fdsWarm, fdsEnd), samples,
                    threadChange.isEmpty() ? "" : "; threads by name, last warm-up sample -> last sample: " + threadChange);
        }
    }

    private final LongSupplier pid;
    private final List<Sample> samples = Collections.synchronizedList(new ArrayList<>());
    private final Thread thread;
    private volatile boolean running = true;

    /** Samples whatever process {@code pid} names at each tick (a daemon restarted by a fault changes it). */
    ResourceSampler(LongSupplier pid, long periodMs) {
        this.pid = pid;
        this.thread = new Thread(() -> {
            while (running) {
                sample().ifPresent(samples::add);
                try {
                    Thread.sleep(periodMs); // a sampling period, not a wait for work
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "chaos-resources");
        thread.setDaemon(true);
        thread.start();
    }

    java.util.Optional<Sample> sample() {
        long p = pid.getAsLong();
        if (p <= 0) {
            return java.util.Optional.empty();
        }
        Path proc = Path.of("/proc", Long.toString(p));
        try {
            long rss = -1;
            long threads = -1;
            for (String line : Files.readAllLines(proc.resolve("status"))) {
                if (line.startsWith("VmRSS:")) {
                    rss = Long.parseLong(line.replaceAll("\\D", ""));
                } else if (line.startsWith("Threads:")) {
                    threads = Long.parseLong(line.replaceAll("\\D", ""));
                }
            }
            long fds;
            try (Stream<Path> s = Files.list(proc.resolve("fd"))) {
                fds = s.count();
            }
            List<String> names = new ArrayList<>();
            try (Stream<Path> tasks = Files.list(proc.resolve("task"))) {
                for (Path task : (Iterable<Path>) tasks::iterator) {
                    try {
                        names.add(Files.readString(task.resolve("comm")).strip());
                    } catch (IOException ended) {
                        // a thread that ended while we looked
                    }
                }
            }
            return java.util.Optional.of(new Sample(System.currentTimeMillis(), p, rss, threads, fds, names));
        } catch (IOException | RuntimeException gone) {
            return java.util.Optional.empty();
        }
    }

    List<Sample> samples() {
        synchronized (samples) {
            return List.copyOf(samples);
        }
    }

    /** Warm-up (second tenth) against end (last tenth) for the samples of one daemon process. */
    Verdict verdict() {
        List<Sample> all = samples();
        if (all.isEmpty()) {
            return new Verdict(-1, -1, -1, -1, -1, -1, 0, "");
        }
        long lastPid = all.get(all.size() - 1).pid();
        List<Sample> s = all.stream().filter(x -> x.pid() == lastPid).toList();
        int n = s.size();
        List<Sample> warm = s.subList(n / 10, Math.max(n / 10 + 1, n / 5));
        List<Sample> end = s.subList(Math.min(n - 1, n - n / 10), n);
        return new Verdict(median(warm, Sample::rssKb), median(end, Sample::rssKb), median(warm, Sample::threads),
                median(end, Sample::threads), median(warm, Sample::fds), median(end, Sample::fds), n,
                nameChange(warm.get(warm.size() - 1).threadNames(), end.get(end.size() - 1).threadNames()));
    }

    /** Thread names whose count differs between two samples, e.g. "C1 CompilerThre 1->2". */
    private static String nameChange(List<String> before, List<String> after) {
        java.util.Map<String, Long> a = count(before);
        java.util.Map<String, Long> b = count(after);
        java.util.Set<String> names = new java.util.TreeSet<>(a.keySet());
        names.addAll(b.keySet());
        List<String> diff = new ArrayList<>();
        for (String name : names) {
            long x = a.getOrDefault(name, 0L);
            long y = b.getOrDefault(name, 0L);
            if (x != y) {
                diff.add(name + " " + x + "->" + y);
            }
        }
        return String.join(", ", diff);
    }

    private static java.util.Map<String, Long> count(List<String> names) {
        return names.stream().collect(java.util.stream.Collectors.groupingBy(n -> n, java.util.TreeMap::new,
                java.util.stream.Collectors.counting()));
    }

    private static long median(List<Sample> s, java.util.function.ToLongFunction<Sample> f) {
        List<Long> v = new ArrayList<>(s.stream().map(f::applyAsLong).toList());
        Collections.sort(v);
        return v.get(v.size() / 2);
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.interrupt();
        thread.join(5000);
    }
}
