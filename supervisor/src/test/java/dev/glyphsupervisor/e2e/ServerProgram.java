package dev.glyphsupervisor.e2e;

import dev.glyphsupervisor.config.ConfigLoader;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The program every tool supervises in one comparison: the same argv, working directory, port and health URL
 * for all of them, so they meet the same faults.
 *
 * @param marker      an argument of {@code argv} that no supervisor's own command line holds ({@link ProcessWatch})
 * @param workers     how many worker processes the program forks (its tree is the parent and these)
 * @param glyphConfig for glyph-supervisor, a ready config to run instead of one written from argv
 */
record ServerProgram(List<String> argv, Path workdir, Path dir, int port, String marker, int workers,
        Optional<Path> glyphConfig) {

    static final Path REPO = Path.of(System.getProperty("basedir", "."), "..").toAbsolutePath().normalize();
    static final Path DEFAULT_CONFIG = REPO.resolve("conf").resolve("glyph-supervisor.yaml");

    String healthUrl() {
        return "http://127.0.0.1:" + port + "/health";
    }

    /** The forking test server on a free port, run by the real interpreter (not a pyenv shim: no extra execs). */
    static ServerProgram forkingServer(Path dir, int workers) throws IOException {
        Files.createDirectories(dir);
        int port = TestServer.freePort();
        Path control = dir.resolve("control");
        List<String> argv = List.of(Executables.python(), TestServer.SCRIPT.toString(), "--port", Integer.toString(port),
                "--workers", Integer.toString(workers), "--startup-delay", "0", "--control", control.toString());
        return new ServerProgram(argv, dir, dir, port, control.toString(), workers, Optional.empty());
    }

    /**
     * The reference runtime as conf/glyph-supervisor.yaml launches it (its {@code embeddings} server): that file
     * without its {@code search} server (the other tools supervise one program), with its port moved to a free one
     * (7878 stays free), its run/ directory moved into {@code dir}, {@code java} resolved on PATH once for every
     * tool, and two restart settings changed so that each kill, after a healthy spell, is a first death: a 1 s
     * backoff_reset (the conf's 5 min default would add its 2 s, 4 s, ... backoff to repeated kills, by design) and
     * a crash-loop limit the benchmark's kills cannot reach.
     */
    static ServerProgram referenceRuntime(Path dir) throws Exception {
        Path jar = REPO.resolve("model-runtime/reference/target/reference-runtime.jar");
        if (!Files.exists(jar)) {
            throw new IllegalStateException(jar + " is missing: build it with ./mvnw -B -q -pl model-runtime/reference -am verify");
        }
        Files.createDirectories(dir);
        int port = TestServer.freePort();
        String yaml = Files.readString(DEFAULT_CONFIG);
        int search = yaml.indexOf("\n  search:\n");
        int shared = yaml.indexOf("\nstate_dir:");
        if (search < 0 || shared < search) {
            throw new IllegalStateException(DEFAULT_CONFIG + " changed: the benchmark looks for its search server before state_dir");
        }
        yaml = yaml.substring(0, search) + yaml.substring(shared);
        yaml = replace(yaml, "7878", Integer.toString(port));
        yaml = replace(yaml, "${config_dir}/../run/", dir + "/run/");
        yaml = replace(yaml, "\"run/cache\"", "\"" + dir + "/run/cache\"");
        yaml = replace(yaml, "workdir: ${config_dir}/..", "workdir: " + REPO);
        yaml = replace(yaml, "[\"java\",", "[\"" + Executables.onPath("java") + "\",");
        yaml = replace(yaml, "\n  restart:\n", "\n  restart:\n    backoff_reset: 1s\n");
        yaml = replace(yaml, "max_restarts: 5,", "max_restarts: 100000,");
        Path config = dir.resolve("glyph-supervisor.yaml");
        Files.writeString(config, yaml);
        List<String> argv = new ArrayList<>(ConfigLoader.load(config).onlyServer().runtime().command());
        return new ServerProgram(argv, REPO, dir, port, dir + "/run/cache", 0, Optional.of(config));
    }

    private static String replace(String text, String what, String with) {
        if (!text.contains(what)) {
            throw new IllegalStateException(DEFAULT_CONFIG + " changed: the benchmark looks for " + what + " in it");
        }
        return text.replace(what, with);
    }
}
