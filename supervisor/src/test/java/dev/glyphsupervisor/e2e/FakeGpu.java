package dev.glyphsupervisor.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One shared 80 GiB GPU for a daemon under test: the probes module's fake libnvidia-ml.so.1, scripted by a file this
 * helper rewrites while the daemon runs. The supervised server is charged through its environment marker (every
 * live process of every generation carrying {@code GLYPH_SUPERVISOR_STATE_DIR=<state_dir>} is listed with
 * {@link #server} bytes), foreign jobs are real processes listed by pid, and the device's used memory is what they
 * all hold plus {@link #unowned}. So a test states who holds what and the fake does the arithmetic, as a driver does.
 */
final class FakeGpu implements AutoCloseable {

    static final long MIB = 1L << 20;
    static final long GIB = 1L << 30;
    static final long TOTAL = 80 * GIB;
    static final Path LIBRARY = Path.of(System.getProperty("basedir", "."), "..", "probes", "target",
            "fake-nvml", "current", "libnvidia-ml.so.1").toAbsolutePath().normalize();

    private final Path script;
    private final Path stateDir;
    private long server;
    private long unowned;
    private String linger = "0 0";
    private final List<long[]> foreign = new ArrayList<>();
    /** More supervised servers on the same device (a stack): each server's state dir and what each of its processes holds. */
    private final Map<Path, Long> others = new java.util.LinkedHashMap<>();
    private final List<Process> foreignProcesses = new ArrayList<>();

    FakeGpu(Path dir, Path stateDir, long serverBytes) {
        if (!Files.exists(LIBRARY)) {
            throw new IllegalStateException("the probes module's build compiles " + LIBRARY);
        }
        this.script = dir.resolve("nvml-script.txt");
        this.stateDir = stateDir;
        this.server = serverBytes;
        write();
    }

    /** The daemon's environment: where the fake reads its script. */
    Map<String, String> env() {
        return Map.of("FAKE_NVML_SCRIPT", script.toString());
    }

    /** The {@code probes.gpu} flow mapping with the fake library and {@code more} (e.g. limits). */
    static String config(String more) {
        return "{library: \"" + LIBRARY + "\"" + (more.isEmpty() ? "" : ", " + more) + "}";
    }

    /** Each live process of the server's tree holds this much from now on. */
    FakeGpu server(long bytes) {
        server = bytes;
        return write();
    }

    /** Another server of the daemon on this device: each live process carrying its marker holds {@code bytes}. */
    FakeGpu alsoServer(Path serverStateDir, long bytes) {
        others.put(serverStateDir, bytes);
        return write();
    }

    FakeGpu unowned(long bytes) {
        unowned = bytes;
        return write();
    }

    /** What a dead server process leaves: its pid listed for {@code listedMs} (-1: for good), then unowned memory. */
    FakeGpu linger(long listedMs, long unownedMs) {
        linger = listedMs + " " + unownedMs;
        return write();
    }

    /** Starts a foreign job (a real process outside the server's tree) that holds {@code bytes}; returns its pid. */
    long foreign(long bytes) {
        try {
            Process p = new ProcessBuilder("sleep", "600").start();
            foreignProcesses.add(p);
            foreign.add(new long[] {p.pid(), bytes});
            write();
            return p.pid();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The foreign job {@code pid} now holds {@code bytes}. */
    FakeGpu foreign(long pid, long bytes) {
        foreign.stream().filter(f -> f[0] == pid).forEach(f -> f[1] = bytes);
        return write();
    }

    /** The foreign job ends: killed, and its memory freed. */
    FakeGpu endForeign(long pid) {
        foreign.removeIf(f -> f[0] == pid);
        foreignProcesses.stream().filter(p -> p.pid() == pid).forEach(Process::destroyForcibly);
        return write();
    }

    private FakeGpu write() {
        StringBuilder sb = new StringBuilder("device GPU-00000000-fake-0000-0000-000000000000 ").append(TOTAL)
                .append(" auto NVIDIA H100 80GB HBM3\n")
                .append("marked 0 GLYPH_SUPERVISOR_STATE_DIR=").append(stateDir).append(' ').append(server).append('\n')
                .append("linger ").append(linger).append('\n')
                .append(markedOthers())
                .append("unowned 0 ").append(unowned).append('\n');
        for (long[] f : foreign) {
            sb.append("process 0 ").append(f[0]).append(' ').append(f[1]).append('\n');
        }
        try {
            Path tmp = script.resolveSibling(script.getFileName() + ".tmp");
            Files.writeString(tmp, sb.toString());
            Files.move(tmp, script, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    private String markedOthers() {
        StringBuilder sb = new StringBuilder();
        others.forEach((dir, bytes) -> sb.append("marked 0 GLYPH_SUPERVISOR_STATE_DIR=").append(dir).append(' ')
                .append(bytes).append('\n'));
        return sb.toString();
    }

    @Override
    public void close() {
        foreignProcesses.forEach(Process::destroyForcibly);
    }
}
