package dev.glyphsupervisor.e2e;

import dev.glyphsupervisor.cli.Glyphctl;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

/**
 * Runs the real {@code bin/glyphctl} script, as a user does, on the classes under test. The script runs
 * {@code java -jar $GLYPH_JAR}; the shaded jar is only built by {@code package}, after the tests, so here
 * GLYPH_JAR is a jar with nothing but a manifest: {@code Main-Class} glyphctl and a {@code Class-Path} of this
 * test run's class path. Everything else (the script's JVM options, its {@code exec}, exit codes, stdout and
 * stderr) is what a user gets.
 */
final class GlyphctlLauncher {

    static final Path SCRIPT = Path.of(System.getProperty("basedir", "."), "..", "bin", "glyphctl").toAbsolutePath().normalize();
    private static Path jar;

    private GlyphctlLauncher() {
    }

    /** One finished call. */
    record Result(int exit, String out, String err) {
    }

    /** Runs {@code glyphctl args...} to its end, its output in {@code io} (a directory outside what the test inspects). */
    static Result run(Path io, Duration timeout, List<String> args) {
        return run(io, timeout, args, env -> { });
    }

    /** The same, with the call's environment changed by {@code env} (e.g. its locale). */
    static Result run(Path io, Duration timeout, List<String> args, Consumer<Map<String, String>> env) {
        return run(io, timeout, List.of(), args, env);
    }

    /** Runs {@code wrapper... glyphctl args...} (e.g. in a namespace of its own) to its end, like {@link #run}. */
    static Result run(Path io, Duration timeout, List<String> wrapper, List<String> args) {
        return run(io, timeout, wrapper, args, env -> { });
    }

    private static Result run(Path io, Duration timeout, List<String> wrapper, List<String> args, Consumer<Map<String, String>> env) {
        Path out = io.resolve("stdout");
        Path err = io.resolve("stderr");
        ProcessBuilder pb = builder(wrapper, args).redirectOutput(out.toFile()).redirectError(err.toFile());
        env.accept(pb.environment());
        Process p = start(pb);
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly().waitFor();
                throw new AssertionError("glyphctl " + String.join(" ", args) + " did not end within " + timeout
                        + "; it printed:\n" + Files.readString(out) + Files.readString(err));
            }
            return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw new AssertionError("interrupted", e);
        }
    }

    /** Starts {@code glyphctl args...}; the script execs java, so the process is the JVM itself. */
    static Process start(Path out, Path err, List<String> args) {
        return start(builder(args).redirectOutput(out.toFile()).redirectError(err.toFile()));
    }

    /** {@code glyphctl args...} on the classes under test, its input /dev/null, its output still to be redirected. */
    static ProcessBuilder builder(List<String> args) {
        return builder(List.of(), args);
    }

    /** {@code wrapper... glyphctl args...} (e.g. in a cgroup of its own), its output still to be redirected. */
    static ProcessBuilder builder(List<String> wrapper, List<String> args) {
        List<String> command = new ArrayList<>(wrapper);
        command.add(SCRIPT.toString());
        command.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        Map<String, String> env = pb.environment();
        // Nothing from the environment this test runs in may steer the call: no systemd sockets, no extra options.
        env.keySet().removeIf(name -> name.startsWith("GLYPH_") || name.equals("NOTIFY_SOCKET")
                || name.equals("JOURNAL_STREAM") || name.startsWith("WATCHDOG_"));
        env.put("JAVA_HOME", System.getProperty("java.home"));
        env.put("GLYPH_JAR", launcherJar().toString());
        return pb;
    }

    static Process start(ProcessBuilder pb) {
        try {
            return pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + SCRIPT, e);
        }
    }

    static synchronized Path launcherJar() {
        if (jar == null) {
            try {
                Path target = Path.of(System.getProperty("basedir", "."), "target");
                Files.createDirectories(target);
                Path file = target.resolve("glyphctl-test-launcher.jar");
                Manifest manifest = new Manifest();
                Attributes main = manifest.getMainAttributes();
                main.put(Attributes.Name.MANIFEST_VERSION, "1.0");
                main.put(Attributes.Name.MAIN_CLASS, Glyphctl.class.getName());
                List<String> urls = new ArrayList<>();
                for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
                    if (!entry.isEmpty()) {
                        urls.add(Path.of(entry).toAbsolutePath().toUri().toString()); // a directory's URI ends with '/'
                    }
                }
                main.put(Attributes.Name.CLASS_PATH, String.join(" ", urls));
                try (OutputStream os = Files.newOutputStream(file); JarOutputStream ignored = new JarOutputStream(os, manifest)) {
                    // the manifest is the whole jar
                }
                jar = file;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return jar;
    }
}
