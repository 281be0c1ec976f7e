package dev.glyphsupervisor.runtime;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.commons.exec.CommandLine;
import org.apache.commons.exec.DefaultExecutor;
import org.apache.commons.exec.ExecuteException;
import org.apache.commons.exec.ExecuteResultHandler;
import org.apache.commons.exec.ProcessDestroyer;
import org.apache.commons.exec.PumpStreamHandler;

/**
 * Starts the server in its own session with Commons Exec (Linux only).
 *
 * <p>The command actually run is {@code setsid /bin/sh -c 'exec >>"$0" 2>&1 </dev/null; exec "$@"' LOG argv...}:
 * <ul>
 *   <li>util-linux {@code setsid} makes the server a session and group leader, so the whole tree can be
 *       signalled as a group and found after the server dies. It execs in place (a child of the JVM is
 *       never a group leader), so the pid we get is the server's.</li>
 *   <li>the shell only points stdout/stderr at the log and execs the argv untouched. Output must not go
 *       through JVM pipes: orphaned workers would hold them open, Commons Exec's pumpers would never see
 *       EOF and the exit callback would never fire. With the redirect, the pipes close at once.</li>
 * </ul>
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
    /** Spawning takes milliseconds; this only bounds a pathological stall. */
    private static final Duration SPAWN_TIMEOUT = Duration.ofSeconds(30);
    /** How long the new process may take to become a session leader before we call the launch failed. */
    private static final Duration SESSION_TIMEOUT = Duration.ofSeconds(5);
    private static final AtomicInteger THREADS = new AtomicInteger();

    /**
     * Pids this JVM started whose exit Java has not reported yet: Java's own reaper thread waits for each of them by
     * pid, so {@link Subreaper#reap} must never collect one (Java would then report exit 0 for it). Added before
     * {@link #SPAWN} is released, removed once the exit is known.
     */
    private static final Set<Long> STARTED = ConcurrentHashMap.newKeySet();
    /** Held while a child is started and until its pid is in {@link #STARTED}, and while orphans are reaped. */
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

        CompletableFuture<Process> started = new CompletableFuture<>();
        DefaultExecutor.Builder<?> builder = DefaultExecutor.builder()
                .setExecuteStreamHandler(new PumpStreamHandler(OutputStream.nullOutputStream(),
                        OutputStream.nullOutputStream()))
                .setThreadFactory(RuntimeLauncher::exitWatcherThread);
        if (spec.workdir() != null) {
            builder.setWorkingDirectory(spec.workdir());
        }
        DefaultExecutor executor = builder.get();
        executor.setExitValues(null); // every exit status is a result for the listener, not a failure
        executor.setProcessDestroyer(new CapturingDestroyer(started));

        Instant launchedAt = Instant.now();
        Process process;
        synchronized (SPAWN) {
            try {
                executor.execute(commandLine, env, new ExitHandler(started, listener));
            } catch (IOException e) {
                throw new LaunchException("cannot start " + spec.command() + ": " + e.getMessage(), e);
            }
            process = awaitSpawn(started, spec);
        }
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

    private static Process awaitSpawn(CompletableFuture<Process> started, LaunchSpec spec) throws LaunchException {
        try {
            // join(), not get(): an interrupt must not abandon a process that is being started.
            return started.orTimeout(SPAWN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).join();
        } catch (CompletionException e) {
            Throwable cause = e.getCause() instanceof ExecuteException && e.getCause().getCause() != null
                    ? e.getCause().getCause() : e.getCause();
            throw new LaunchException("cannot start " + spec.command() + ": " + cause.getMessage(), cause);
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

    private static Thread exitWatcherThread(Runnable task) {
        Thread thread = new Thread(task, "glyph-runtime-exit-" + THREADS.incrementAndGet());
        thread.setDaemon(true);
        return thread;
    }

    /** Commons Exec hands the new java.lang.Process to the destroyer; that is how we learn its pid. */
    private static final class CapturingDestroyer implements ProcessDestroyer {
        private final CompletableFuture<Process> started;

        CapturingDestroyer(CompletableFuture<Process> started) {
            this.started = started;
        }

        @Override
        public boolean add(Process process) {
            STARTED.add(process.pid());
            if (!started.complete(process)) {
                // launch() gave up waiting and reported a failure: nobody will ever stop this process.
                process.destroyForcibly();
                process.onExit().thenRun(() -> STARTED.remove(process.pid()));
            }
            return true;
        }

        @Override
        public boolean remove(Process process) {
            return true;
        }

        @Override
        public int size() {
            return 0;
        }
    }

    /** Turns Commons Exec's result into exactly one {@link ExitListener#onExit} call. */
    private static final class ExitHandler implements ExecuteResultHandler {
        private final CompletableFuture<Process> started;
        private final ExitListener listener;
        private final AtomicBoolean told = new AtomicBoolean();

        ExitHandler(CompletableFuture<Process> started, ExitListener listener) {
            this.started = started;
            this.listener = listener;
        }

        @Override
        public void onProcessComplete(int exitValue) {
            tell(exitValue);
        }

        @Override
        public void onProcessFailed(ExecuteException e) {
            if (started.completeExceptionally(e)) {
                return; // it never started: launch() throws instead
            }
            // It ran, and something after its exit failed (closing streams): its status is still known.
            Process process = started.join();
            tell(process.isAlive() ? e.getExitValue() : process.exitValue());
        }

        private void tell(int exitCode) {
            if (!told.compareAndSet(false, true)) {
                return; // Commons Exec reports a throwing onProcessComplete again through onProcessFailed
            }
            Process process = started.isCompletedExceptionally() ? null : started.getNow(null);
            if (process != null) {
                STARTED.remove(process.pid()); // Process.waitFor has returned: Java has collected it
            }
            try {
                listener.onExit(exitCode);
            } catch (RuntimeException | Error e) {
                Thread current = Thread.currentThread();
                current.getUncaughtExceptionHandler().uncaughtException(current, e);
            }
        }
    }
}
