package dev.glyphsupervisor.e2e;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * supervisord (Debian's {@code supervisor} package) under comparison: its own supervisord, in the foreground, on a
 * config generated here (never the system service), with the settings a careful user would pick for a forking
 * server: autorestart, and stopasgroup/killasgroup so that a stop reaches the workers.
 */
final class SupervisordRunner implements Supervised {

    private final Path supervisord;
    private final Path supervisorctl;
    private Process daemon;
    private ServerProgram program;
    private Path config;

    private SupervisordRunner(Path supervisord, Path supervisorctl) {
        this.supervisord = supervisord;
        this.supervisorctl = supervisorctl;
    }

    /** The runner, or why supervisord cannot be run here. */
    static Optional<SupervisordRunner> find(StringBuilder whyNot) {
        Optional<Path> d = Executables.find("supervisord");
        Optional<Path> ctl = Executables.find("supervisorctl");
        if (d.isEmpty() || ctl.isEmpty()) {
            whyNot.append("supervisord/supervisorctl not on PATH (bench/install-competitors.sh installs Debian's supervisor)");
            return Optional.empty();
        }
        return Optional.of(new SupervisordRunner(d.get(), ctl.get()));
    }

    @Override
    public String name() {
        return "supervisord " + Executables.output(List.of(supervisord.toString(), "--version"), Map.of()).strip();
    }

    @Override
    public void start(ServerProgram program, Scenario scenario) throws Exception {
        this.program = program;
        Path dir = program.dir();
        Files.createDirectories(dir);
        config = dir.resolve("supervisord.conf");
        String command = program.argv().stream().map(SupervisordRunner::quote).collect(Collectors.joining(" "));
        Files.writeString(config, String.join("\n",
                "[unix_http_server]",
                "file=" + dir.resolve("supervisor.sock"),
                "[supervisord]",
                "nodaemon=true",
                "logfile=" + dir.resolve("supervisord.log"),
                "pidfile=" + dir.resolve("supervisord.pid"),
                "childlogdir=" + dir,
                "[rpcinterface:supervisor]",
                "supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface",
                "[supervisorctl]",
                "serverurl=unix://" + dir.resolve("supervisor.sock"),
                "[program:server]",
                "command=" + command,
                "directory=" + program.workdir(),
                "autostart=true",
                "autorestart=true",
                "startsecs=1",
                "startretries=3",
                "stopasgroup=true",
                "killasgroup=true",
                "stopwaitsecs=2",
                "redirect_stderr=true",
                "stdout_logfile=" + dir.resolve("server.log"),
                ""));
        daemon = new ProcessBuilder(supervisord.toString(), "-c", config.toString()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("supervisord.out").toFile()).start();
        Await.until(Duration.ofSeconds(30), "supervisord's control socket",
                () -> Files.exists(dir.resolve("supervisor.sock")) || !daemon.isAlive(), () -> "");
        if (!daemon.isAlive()) {
            throw new IllegalStateException("supervisord exited: " + Files.readString(dir.resolve("supervisord.out")));
        }
    }

    /** supervisord splits its command line like a POSIX shell. */
    private static String quote(String arg) {
        return arg.matches("[A-Za-z0-9_./:=+-]+") ? arg : "'" + arg.replace("'", "'\\''") + "'";
    }

    @Override
    public long daemonPid() {
        return daemon.pid(); // /usr/bin/supervisord is a python script: exec'd, same pid
    }

    @Override
    public Map<String, List<String>> statusCommands() {
        return Supervised.one("supervisorctl status", List.of(supervisorctl.toString(), "-c", config.toString(), "status"));
    }

    @Override
    public void restartProgram() {
        Executables.run(List.of(supervisorctl.toString(), "-c", config.toString(), "start", "server"), Map.of());
    }

    @Override
    public void close() throws Exception {
        if (daemon != null && daemon.isAlive()) {
            daemon.destroy(); // SIGTERM: supervisord stops its programs (as a group), then exits
            if (!daemon.waitFor(30, TimeUnit.SECONDS)) {
                daemon.destroyForcibly();
            }
        }
        if (program != null) {
            Faults.killProgram(program);
        }
    }
}
