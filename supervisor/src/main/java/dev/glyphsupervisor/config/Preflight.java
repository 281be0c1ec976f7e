package dev.glyphsupervisor.config;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Checks a loaded config against this machine, before anything is started: the command can be run,
 * the working directory exists, and the state, log and audit locations are (or can be made) writable
 * directories. It only looks: nothing is created, so a failed check leaves nothing half-made behind.
 * Messages point at the key in the config file, like load errors.
 */
public final class Preflight {

    private Preflight() {
    }

    /** Every problem found; empty when the config can run here. */
    public static List<String> check(SupervisorConfig config) {
        ConfigLocations at = config.locations();
        RuntimeConfig runtime = config.runtime();
        List<String> problems = new ArrayList<>();
        workdirProblem(runtime.workdir()).ifPresent(message -> problems.add(at.problem("runtime.workdir", message)));
        commandProblem(runtime).ifPresent(message -> problems.add(at.problem("runtime.command[0]", message)));
        WritableLocations.directoryProblem(config.stateDir()).ifPresent(message -> problems.add(at.problem("state_dir", message)));
        WritableLocations.fileProblem(runtime.log()).ifPresent(message -> problems.add(at.problem("runtime.log", message)));
        WritableLocations.fileProblem(config.audit().path()).ifPresent(message -> problems.add(at.problem("audit.path", message)));
        return problems;
    }

    private static Optional<String> workdirProblem(Path workdir) {
        if (!Files.exists(workdir)) {
            return Optional.of(workdir + " does not exist");
        }
        if (!Files.isDirectory(workdir)) {
            return Optional.of(workdir + " is not a directory");
        }
        return Optional.empty();
    }

    /**
     * Like execvp: a program name with a '/' is a path (relative ones from the workdir, where it will run);
     * a bare name is looked up on the PATH the server will get, runtime.env's PATH when it sets one.
     */
    private static Optional<String> commandProblem(RuntimeConfig runtime) {
        if (runtime.command().isEmpty()) {
            return Optional.of("no command to run");
        }
        String program = runtime.command().get(0);
        if (program.contains("/")) {
            Path path = runtime.workdir().resolve(program).normalize();
            if (!Files.exists(path)) {
                return Optional.of("'" + program + "' does not exist" + (path.toString().equals(program) ? "" : " (looked for " + path + ")"));
            }
            if (!Files.isRegularFile(path)) {
                return Optional.of("'" + program + "' is not a regular file");
            }
            if (!Files.isExecutable(path)) {
                return Optional.of("'" + program + "' is not executable (chmod +x " + path + ")");
            }
            return Optional.empty();
        }
        String searchPath = runtime.env().getOrDefault("PATH", Optional.ofNullable(System.getenv("PATH")).orElse(""));
        for (String directory : searchPath.split(File.pathSeparator)) {
            if (directory.isEmpty()) {
                continue;
            }
            Path candidate = runtime.workdir().resolve(directory).resolve(program);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return Optional.empty();
            }
        }
        return Optional.of("'" + program + "' not found on PATH (" + searchPath + ")");
    }
}
