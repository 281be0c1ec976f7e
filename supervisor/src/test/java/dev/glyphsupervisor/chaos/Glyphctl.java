package dev.glyphsupervisor.chaos;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Runs glyphctl commands against a lane's daemon, as an operator would: bin/glyphctl, or the test classpath in CI. */
final class Glyphctl {

    record Result(List<String> args, int exit, String output) {
        @Override
        public String toString() {
            return "glyphctl " + String.join(" ", args) + " exited " + exit + ": " + output.strip();
        }
    }

    private final Path config;
    private final boolean launcher;
    /** In a stack, the server every command names (after the subcommand); null for a one-server config. */
    private final String server;

    Glyphctl(Path config, boolean launcher) {
        this(config, launcher, null);
    }

    Glyphctl(Path config, boolean launcher, String server) {
        this.config = config;
        this.launcher = launcher;
        this.server = server;
    }

    Result run(String... args) {
        List<String> cmd = new ArrayList<>();
        if (launcher) {
            cmd.add(ChaosSoak.LAUNCHER.toString());
        } else {
            cmd.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
                    dev.glyphsupervisor.cli.Glyphctl.class.getName()));
        }
        List<String> all = new ArrayList<>(List.of(args));
        if (server != null && !all.isEmpty()) {
            all.add(1, server);
        }
        cmd.addAll(all);
        cmd.addAll(List.of("--config", config.toString()));
        try {
            Path out = Files.createTempFile(config.getParent(), "glyphctl", ".out");
            try {
                Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
                if (!p.waitFor(120, TimeUnit.SECONDS)) {
                    p.destroyForcibly().waitFor();
                    return new Result(all, -1, "timed out after 120 s");
                }
                return new Result(all, p.exitValue(), Files.readString(out));
            } finally {
                Files.deleteIfExists(out);
            }
        } catch (IOException e) {
            return new Result(List.of(args), -1, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(List.of(args), -1, "interrupted");
        }
    }

    /** The same, on another thread: for a command issued while the harness injects a fault. */
    CompletableFuture<Result> start(String... args) {
        return CompletableFuture.supplyAsync(() -> run(args), task -> {
            Thread t = new Thread(task, "chaos-glyphctl");
            t.setDaemon(true);
            t.start();
        });
    }
}
