package dev.glyphsupervisor.chaos;

import java.nio.file.Files;
import java.nio.file.Path;

/** The machine a run measured: cores, CPU model, memory, JDK, kernel; and its load at the end. */
final class Machine {

    private Machine() {
    }

    static String describe() {
        String cpu = "?";
        String mem = "?";
        String load = "?";
        try {
            cpu = Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                    .findFirst().map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse("?");
            mem = Files.readAllLines(Path.of("/proc/meminfo")).stream().filter(l -> l.startsWith("MemTotal"))
                    .findFirst().map(l -> Long.parseLong(l.replaceAll("\\D", "")) / 1024 + " MiB").orElse("?");
            load = Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (Exception e) {
            // reported as "?"
        }
        return Runtime.getRuntime().availableProcessors() + " cpus (" + cpu + "), " + mem + " memory, java "
                + System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + "), "
                + System.getProperty("os.name") + " " + System.getProperty("os.version") + "; loadavg at the end " + load;
    }
}
