package dev.glyphsupervisor.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/** A process's CPU time and memory as the kernel counts them (/proc), for the benchmarks. */
final class ProcStat {

    /** USER_HZ: /proc counts CPU time in ticks of 10 ms on Linux. */
    static final double TICK_MS = 10.0;

    private ProcStat() {
    }

    /** utime + stime of the whole process (fields 14 and 15 of /proc/PID/stat), threads that ended included. */
    static long cpuTicks(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }

    /** CPU ticks of each live thread, keyed by "tid:name". */
    static Map<String, Long> threadTicks(long pid) throws IOException {
        Map<String, Long> m = new TreeMap<>();
        try (Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path task : (Iterable<Path>) tasks::iterator) {
                try {
                    String stat = Files.readString(task.resolve("stat"));
                    String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    m.put(task.getFileName() + ":" + name, Long.parseLong(f[11]) + Long.parseLong(f[12]));
                } catch (IOException gone) {
                    // the thread ended
                }
            }
        }
        return m;
    }

    /** The threads that used CPU between two {@link #threadTicks} readings, as " name=ticks" pairs. */
    static String busiestThreads(Map<String, Long> before, Map<String, Long> after) {
        StringBuilder busiest = new StringBuilder();
        after.forEach((thread, t) -> {
            long delta = t - before.getOrDefault(thread, 0L);
            if (delta > 0) {
                busiest.append(' ').append(thread).append('=').append(delta);
            }
        });
        return busiest.toString();
    }

    /** A field of /proc/PID/status in kB (VmRSS, RssAnon, RssFile, ...), or -1 when absent. */
    static long statusKb(long pid, String field) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            if (line.startsWith(field + ":")) {
                return Long.parseLong(line.replaceAll("\\D", ""));
            }
        }
        return -1;
    }

    static long rssKb(long pid) throws IOException {
        return statusKb(pid, "VmRSS");
    }

    static long threads(long pid) throws IOException {
        return statusKb(pid, "Threads");
    }

    /** The 1, 5 and 15 minute load averages of /proc/loadavg, for a benchmark's header ("unknown" when unread). */
    static String loadAverage() {
        try {
            String[] f = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException e) {
            return "unknown";
        }
    }
}
