package dev.glyphsupervisor.runtime;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.commons.exec.CommandLine;
import org.apache.commons.exec.launcher.CommandLauncher;
import org.apache.commons.exec.launcher.CommandLauncherFactory;

/**
 * Starts the server in its own session with Commons Exec (Linux only).
 *
 * <p>The command actually run is {@code setsid /bin/sh -c 'exec >>"$0" 2>&1 </dev/null; exec "$@"' LOG argv...}:
 * <ul>
 *   <li>util-linux {@code setsid} makes the server a session and group leader, so the whole tree can be
 *       signalled as a group and found after the server dies. It execs in place (a child of the JVM is
 *       never a group leader), so the pid we get is the server's.</li>
 *   <li>the shell only points stdout/stderr at the log and execs the argv untouched. Output must not go
 *       through JVM pipes: orphaned workers would hold them open, and a reader of them would never see EOF.
 *       The daemon closes its ends of the pipes at once.</li>
 * </ul>
 * Commons Exec starts the process; its exit comes from {@link Process#onExit()}, completed when the JDK's reaper
 * thread for that child has collected it, so no thread of ours waits per server.
 * A command that does not exist is reported by the shell as exit status 127 through the
 * {@link ExitListener} (126 when it is not executable), not as a {@link LaunchException}.
 */
public final class RuntimeLauncher {

    /**
     * systemd's variables for the supervisor itself: a server that inherited them could send readiness or
     * watchdog pings on the daemon's behalf (or confuse a server that speaks sd_notify itself into pinging a
     * socket meant for us). The config's {@code runtime.env} can still set them on purpose.
     */
    static final java.util.List<String> SUPERVISOR_ONLY_ENV = java.util.List.of("NOTIFY_SOCKET", "WATCHDOG_USEC",
            "WATCHDOG_PID", "LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES");

    /**
     * Set by bin/glyphctl when it ran the JVM with a UTF-8 {@code LC_ALL} because the caller's locale was not UTF-8
     * (the JVM would otherwise turn every non-ASCII character of a path into '?'): what {@code LC_ALL} was,
     * {@code LC_ALL=VALUE}, or {@code LC_ALL} when it was unset. The server gets the caller's locale back, never ours.
     */
    static final String CALLER_LOCALE = "GLYPH_CALLER_LOCALE";

    private static final String REDIRECT_AND_EXEC = "exec >>\"$0\" 2>&1 </dev/null; exec \"$@\"";
    /** How long the new process may take to become a session leader before we call the launch failed. */
    private static final Duration SESSION_TIMEOUT = Duration.ofSeconds(5);
    /** Commons Exec's launcher for this JVM: it starts the process; nothing of Commons Exec waits for it. */
    private static final CommandLauncher LAUNCHER = CommandLauncherFactory.createVMLauncher();

    /**
     * Pids this JVM started whose exit Java has not reported yet: Java's own reaper thread waits for each of them by
     * pid, so {@link Subreaper#reap} must never collect one (Java would then report exit 0 for it). Added before
     * {@link #SPAWN} is released, removed once the exit is known.
     */
    private static final Set<Long> STARTED = ConcurrentHashMap.newKeySet();
    /**
     * Held while a child is started and until its pid is in {@link #STARTED}, and while orphans are reaped; notified
     * after each start (the reaper thread waits on it while the JVM has no child).
     */
    static final Object SPAWN = new Object();
    /**
     * Launches by this JVM whose root has become a session leader: a process table scanned before the last of them
     * may not show that launch's tree as such (see {@link ProcessTableCache}).
     */
    private static final AtomicLong LAUNCHES = new AtomicLong();

    public RuntimeLauncher() {
    }

    /**
     * Starts the command in a new session (pid == pgid == sid), stdout and stderr appended to
     * {@code spec.log()}; returns once the process exists and leads its session. {@code listener} is
     * called once, when it exits, even while orphaned workers of it live on.
     */
    public LaunchedProcess launch(LaunchSpec spec, ExitListener listener) throws LaunchException {
        Path setsid = findSetsid();
        Path log = prepareLog(spec);
        if (spec.workdir() != null && !Files.isDirectory(spec.workdir())) {
            throw new LaunchException("working directory " + spec.workdir() + " is not a directory");
        }

        CommandLine commandLine = new CommandLine(setsid.toString());
        for (String arg : wrapped(log, spec.command())) {
            // false: Commons Exec would otherwise wrap arguments holding spaces in quotes.
            commandLine.addArgument(arg, false);
        }
        Map<String, String> env = serverEnvironment(System.getenv(), spec.env());
        if (spec.marker() != null) {
            env.put(ProcessTree.MARKER, spec.marker());
        }

        Instant launchedAt = Instant.now();
        Process process;
        synchronized (SPAWN) {
            try {
                process = LAUNCHER.exec(commandLine, env, spec.workdir() == null ? null : spec.workdir().toFile());
            } catch (IOException e) {
                throw new LaunchException("cannot start " + spec.command() + ": " + e.getMessage(), e);
            }
            STARTED.add(process.pid());
            SPAWN.notifyAll(); // the reaper thread, if it waits for a first child
        }
        closeStreams(process);
        watchExit(process, listener);
        long pid = process.pid();
        long startTicks = awaitSessionLeader(process, spec);
        LAUNCHES.incrementAndGet(); // after the setsid: a table scanned from now on shows the new session
        return new LaunchedProcess(pid, pid, startTicks, spec.command(), launchedAt, spec.marker());
    }

    /**
     * The server's environment: the daemon's, less the variables that are the supervisor's only, with the caller's
     * locale put back as it was before bin/glyphctl changed it, then {@code overrides} (the config's
     * {@code runtime.env}, which may set a locale of its own).
     */
    static Map<String, String> serverEnvironment(Map<String, String> daemon, Map<String, String> overrides) {
        Map<String, String> env = new HashMap<>(daemon);
        SUPERVISOR_ONLY_ENV.forEach(env::remove);
        String caller = env.remove(CALLER_LOCALE);
        if (caller != null) {
            int eq = caller.indexOf('=');
            String name = eq < 0 ? caller : caller.substring(0, eq);
            if (name.equals("LANG") || name.startsWith("LC_")) { // never anything but a locale variable
                if (eq < 0) {
                    env.remove(name);
                } else {
                    env.put(name, caller.substring(eq + 1));
                }
            }
        }
        env.putAll(overrides);
        return env;
    }

    private static List<String> wrapped(Path log, List<String> command) {
        List<String> args = new ArrayList<>(List.of("/bin/sh", "-c", REDIRECT_AND_EXEC, log.toString()));
        args.addAll(command);
        return args;
    }

    /** Creates the log's directory and the file itself, so an unwritable log fails here, not in the shell. */
    private static Path prepareLog(LaunchSpec spec) throws LaunchException {
        Path log = spec.log().toAbsolutePath();
        try {
            Files.createDirectories(log.getParent());
            RuntimeLog.rotateIfLarger(log, spec.logMaxBytes());
            Files.newOutputStream(log, StandardOpenOption.CREATE, StandardOpenOption.APPEND).close();
            return log;
        } catch (IOException e) {
            throw new LaunchException("cannot write the log " + log + ": " + e, e);
        }
    }

    /**
     * Waits until {@code setsid} has run, so that the group exists for an immediate stop, and reads the
     * start time. A process that has already exited is fine: its exit is the listener's news.
     */
    private static long awaitSessionLeader(Process process, LaunchSpec spec) throws LaunchException {
        long pid = process.pid();
        Optional<ProcInfo> info = Poll.until(() -> ProcessTable.get(pid),
                p -> p.isEmpty() || p.get().sid() == pid || p.get().isZombie(),
                SESSION_TIMEOUT, Duration.ofMillis(1));
        if (info.isPresent() && info.get().sid() != pid && !info.get().isZombie()) {
            process.destroyForcibly();
            throw new LaunchException("started " + spec.command() + " as pid " + pid
                    + " but it did not become a session leader within " + SESSION_TIMEOUT);
        }
        return info.map(ProcInfo::startTicks).orElse(-1L);
    }

    /** How many launches have completed (their root a session leader) in this JVM. */
    static long launches() {
        return LAUNCHES.get();
    }

    /** True while {@code pid} is a child this JVM started and Java has not reported its exit yet. */
    static boolean startedHere(long pid) {
        return STARTED.contains(pid);
    }

    private static Path findSetsid() throws LaunchException {
        List<String> dirs = new ArrayList<>();
        String path = System.getenv("PATH");
        if (path != null) {
            dirs.addAll(List.of(path.split(File.pathSeparator)));
        }
        dirs.addAll(List.of("/usr/bin", "/bin"));
        for (String dir : dirs) {
            Path candidate = Path.of(dir.isEmpty() ? "." : dir, "setsid");
            if (Files.isExecutable(candidate)) {
                return candidate.toAbsolutePath();
            }
        }
        throw new LaunchException("util-linux 'setsid' not found on PATH or in /usr/bin, /bin");
    }

    /**
     * The server's stdin, stdout and stderr pipes are not used (the shell points them at the log and /dev/null before
     * it execs the server): closed at once, so no thread reads them and no orphan holds the daemon's end.
     */
    private static void closeStreams(Process process) {
        for (java.io.Closeable stream : List.<java.io.Closeable>of(process.getOutputStream(), process.getInputStream(),
                process.getErrorStream())) {
            try {
                stream.close();
            } catch (IOException ignored) {
                // a pipe we never use
            }
        }
    }

    /**
     * Tells {@code listener} the exit status once, when Java's own reaper thread has collected the process: no
     * thread of ours waits for it (one waiting thread per server was most of a stack's idle threads).
     */
    private static void watchExit(Process process, ExitListener listener) {
        process.onExit().whenComplete((exited, failure) -> {
            STARTED.remove(process.pid()); // Java has collected it
            try {
                listener.onExit(process.exitValue());
            } catch (RuntimeException | Error e) {
                Thread current = Thread.currentThread();
                current.getUncaughtExceptionHandler().uncaughtException(current, e);
            }
        });
    }
}
