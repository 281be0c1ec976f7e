package dev.glyphsupervisor.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** Finding and running the command-line tools the comparison needs. */
final class Executables {

    private static String python;

    private Executables() {
    }

    /** The executable named {@code name} on PATH, or empty. */
    static Optional<Path> find(String name) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            Path candidate = Path.of(dir.isEmpty() ? "." : dir, name);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return Optional.of(candidate.toAbsolutePath());
            }
        }
        return Optional.empty();
    }

    static String onPath(String name) {
        return find(name).orElseThrow(() -> new IllegalStateException(name + " is not on PATH")).toString();
    }

    /** The real python3 behind PATH's (pyenv and the like put a shell script there that execs it). */
    static synchronized String python() {
        if (python == null) {
            python = output(List.of(onPath("python3"), "-c", "import sys; print(sys.executable)"), Map.of()).strip();
        }
        return python;
    }

    /** Runs a command to its end (30 s at most) and gives its output, stdout and stderr together. */
    static String output(List<String> command, Map<String, String> env) {
        Result r = run(command, env);
        if (r.exit != 0) {
            throw new IllegalStateException(String.join(" ", command) + " exited " + r.exit + ": " + r.output);
        }
        return r.output;
    }

    record Result(int exit, String output) {
    }

    /** Output goes to a file, not a pipe: a tool that daemonizes may hand the pipe to its daemon, which never closes it. */
    static Result run(List<String> command, Map<String, String> env) {
        try {
            Path out = Files.createTempFile("glyph-bench-cmd", ".out");
            try {
                ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile());
                pb.environment().putAll(env);
                Process p = pb.start();
                if (!p.waitFor(30, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    throw new IllegalStateException(String.join(" ", command) + " did not end within 30 s");
                }
                return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
            } finally {
                Files.deleteIfExists(out);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + String.join(" ", command) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted running " + command.get(0), e);
        }
    }
}
