package dev.glyphsupervisor.config;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Checks a loaded config against this machine, before anything is started: the command can be run,
 * the working directory exists, the state, log and audit locations are (or can be made) writable
 * directories, and the control socket's path is free for a socket and its group exists. It only looks:
 * nothing is created, so a failed check leaves nothing half-made behind. Messages point at the key in the
 * config file, like load errors.
 */
public final class Preflight {

    private Preflight() {
    }

    /** Every problem found; empty when the config can run here. */
    public static List<String> check(SupervisorConfig config) {
        ConfigLocations at = config.locations();
        List<String> problems = new ArrayList<>();
        if (config.oneServerForm()) {
            // The order of the one-server form's report, as it always was: state_dir between command and log.
            ServerConfig server = config.onlyServer();
            addRunProblems(server, at, problems);
            WritableLocations.directoryProblem(config.stateDir()).ifPresent(message -> problems.add(at.problem("state_dir", message)));
            WritableLocations.fileProblem(server.runtime().log())
                    .ifPresent(message -> problems.add(at.problem("runtime.log", message)));
        } else {
            WritableLocations.directoryProblem(config.stateDir()).ifPresent(message -> problems.add(at.problem("state_dir", message)));
            for (ServerConfig server : config.servers()) {
                addRunProblems(server, at, problems);
                // its own state directory, made under state_dir at the start (a problem with state_dir says enough)
                if (WritableLocations.directoryProblem(config.stateDir()).isEmpty()) {
                    WritableLocations.directoryProblem(server.stateDir()).ifPresent(message -> problems.add(
                            at.problem(server.key(""), "its state directory: " + message)));
                }
                WritableLocations.fileProblem(server.runtime().log())
                        .ifPresent(message -> problems.add(at.problem(server.key("runtime.log"), message)));
            }
        }
        auditProblem(config.audit().path()).ifPresent(message -> problems.add(at.problem("audit.path", message)));
        addControlProblems(config, problems);
        return problems;
    }

    /** The workdir and the command of one server. */
    private static void addRunProblems(ServerConfig server, ConfigLocations at, List<String> problems) {
        RuntimeConfig runtime = server.runtime();
        workdirProblem(runtime.workdir()).ifPresent(message -> problems.add(at.problem(server.key("runtime.workdir"), message)));
        commandProblem(runtime).ifPresent(message -> problems.add(at.problem(server.key("runtime.command[0]"), message)));
    }

    /** The audit log rotates by renaming: a device or pipe there (e.g. /dev/null) would be renamed away, as root too. */
    private static Optional<String> auditProblem(Path audit) {
        if (Files.exists(audit) && !Files.isDirectory(audit) && !Files.isRegularFile(audit)) {
            return Optional.of(audit + " exists and is not a regular file (the audit log is rotated by renaming it)");
        }
        return WritableLocations.fileProblem(audit);
    }

    /**
     * The control socket: the daemon removes what is at its path as a stale socket, so anything there that is
     * not a socket (a config file, a directory) is refused rather than deleted; its directory must be creatable
     * (the default one is in state_dir, checked above); and a named group must exist.
     */
    private static void addControlProblems(SupervisorConfig config, List<String> problems) {
        ConfigLocations at = config.locations();
        Path socket = config.control().socket();
        if (Files.exists(socket, LinkOption.NOFOLLOW_LINKS) && !isSocket(socket)) {
            problems.add(at.problem("control.socket",
                    socket + " exists and is not a socket; the daemon replaces only a stale socket there"));
        } else if (!socket.getParent().equals(config.stateDir())) {
            WritableLocations.directoryProblem(socket.getParent())
                    .ifPresent(message -> problems.add(at.problem("control.socket", "its directory: " + message)));
        }
        config.control().group().ifPresent(group -> {
            try {
                socket.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByGroupName(group);
            } catch (IOException e) {
                problems.add(at.problem("control.group", "no group '" + group + "' on this machine"));
            }
        });
    }

    private static boolean isSocket(Path path) {
        try {
            // st_mode's file type bits: 0140000 is a socket.
            int mode = (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
            return (mode & 0170000) == 0140000;
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
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
