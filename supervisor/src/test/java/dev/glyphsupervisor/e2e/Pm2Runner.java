package dev.glyphsupervisor.e2e;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.glyphsupervisor.runtime.Signals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * PM2 (npm's {@code pm2}, under bench/.tools or on PATH) under comparison: its God daemon with a PM2_HOME of its
 * own (the user's ~/.pm2 is never touched), the program started from an ecosystem file in fork mode with
 * {@code interpreter: none}, PM2's defaults otherwise (autorestart, tree kill on stop, min_uptime 1 s,
 * max_restarts 16).
 */
final class Pm2Runner implements Supervised {

    private static final Path LOCAL = ServerProgram.REPO.resolve("bench/.tools/node_modules/.bin/pm2");

    private final Path pm2;
    private ServerProgram program;
    private Path home;
    private long godPid;

    private Pm2Runner(Path pm2) {
        this.pm2 = pm2;
    }

    /** The runner, or why PM2 cannot be run here. */
    static Optional<Pm2Runner> find(StringBuilder whyNot) {
        if (Files.isExecutable(LOCAL)) {
            return Optional.of(new Pm2Runner(LOCAL));
        }
        Optional<Path> onPath = Executables.find("pm2");
        if (onPath.isEmpty()) {
            whyNot.append("pm2 not under bench/.tools nor on PATH (bench/install-competitors.sh installs npm's pm2)");
        }
        return onPath.map(Pm2Runner::new);
    }

    @Override
    public String name() {
        // not `pm2 --version`: that starts a God daemon in ~/.pm2
        try {
            Path pkg = pm2.toRealPath().getParent().getParent().resolve("package.json");
            return "PM2 " + new ObjectMapper().readTree(pkg.toFile()).get("version").asText() + " (node "
                    + Executables.output(List.of("node", "--version"), Map.of()).strip() + ")";
        } catch (Exception e) {
            return "PM2 (version unknown: " + e.getMessage() + ")";
        }
    }

    @Override
    public Map<String, String> environment() {
        return Map.of("PM2_HOME", home.toString());
    }

    @Override
    public void start(ServerProgram program, Scenario scenario) throws Exception {
        this.program = program;
        Path dir = program.dir();
        home = dir.resolve("pm2-home");
        Files.createDirectories(home);
        ObjectMapper json = new ObjectMapper();
        ObjectNode app = json.createObjectNode()
                .put("name", "server")
                .put("script", program.argv().get(0))
                .put("interpreter", "none")
                .put("cwd", program.workdir().toString())
                .put("autorestart", true)
                .put("out_file", dir.resolve("server.out.log").toString())
                .put("error_file", dir.resolve("server.err.log").toString());
        ArrayNode args = app.putArray("args");
        program.argv().subList(1, program.argv().size()).forEach(args::add);
        ObjectNode ecosystem = json.createObjectNode();
        ecosystem.putArray("apps").add(app);
        Path file = dir.resolve("ecosystem.json");
        json.writerWithDefaultPrettyPrinter().writeValue(file.toFile(), ecosystem);
        Executables.output(List.of(pm2.toString(), "start", file.toString()), environment());
        godPid = Long.parseLong(Files.readString(home.resolve("pm2.pid")).strip());
    }

    @Override
    public long daemonPid() {
        return godPid;
    }

    @Override
    public Map<String, List<String>> statusCommands() {
        Map<String, List<String>> m = new LinkedHashMap<>();
        m.put("pm2 jlist", List.of(pm2.toString(), "jlist"));
        m.put("pm2 status", List.of(pm2.toString(), "status"));
        return m;
    }

    /** From {@code pm2 jlist}: the app's status and restart counters. */
    @Override
    public String programState() {
        try {
            var apps = new ObjectMapper().readTree(Executables.output(List.of(pm2.toString(), "jlist"), environment()));
            var env = apps.get(0).get("pm2_env");
            return "status " + env.get("status").asText() + ", restart_time " + env.get("restart_time").asText()
                    + ", unstable_restarts " + env.get("unstable_restarts").asText();
        } catch (Exception e) {
            return "unknown (" + e.getMessage() + ")";
        }
    }

    @Override
    public void restartProgram() {
        Executables.run(List.of(pm2.toString(), "restart", "server"), environment());
    }

    @Override
    public void close() throws Exception {
        if (home != null) {
            Executables.run(List.of(pm2.toString(), "kill"), environment());
            if (godPid > 0) {
                Signals.kill(godPid, Signals.SIGKILL); // normally gone already: `pm2 kill` ends it
            }
        }
        if (program != null) {
            Faults.killProgram(program);
        }
    }
}
