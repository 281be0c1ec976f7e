package dev.glyphsupervisor.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import dev.glyphsupervisor.audit.AuditReader;
import dev.glyphsupervisor.config.ConfigLoader;
import dev.glyphsupervisor.config.ServerConfig;
import dev.glyphsupervisor.config.SupervisorConfig;
import dev.glyphsupervisor.runtime.ProcInfo;
import dev.glyphsupervisor.runtime.ProcessTable;
import dev.glyphsupervisor.runtime.Signals;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * deploy/container/Containerfile without a container engine (this machine has a docker client and no daemon): what
 * an image build would need and what the image would run is checked against the repository and the build output
 * (hence an *IT, run after {@code package}, when supervisor/target/glyphctl.jar exists). Then the image's layout is
 * assembled in a directory and its ENTRYPOINT run as a container runs it: PID 1 of a PID namespace, with an empty
 * environment, on a launch script named {@code 界面推理.sh}.
 */
class ContainerfileIT {

    private static final Path REPO = Path.of(System.getProperty("basedir", "."), "..").toAbsolutePath().normalize();
    private static final Path DIR = REPO.resolve("deploy/container");
    private static final Duration T = Duration.ofSeconds(60);

    @TempDir
    Path tmp;
    private Process daemon;

    @AfterEach
    void cleanUp() throws InterruptedException {
        if (daemon != null && daemon.isAlive()) {
            daemon.destroyForcibly().waitFor(); // unshare --kill-child takes the namespace with it
        }
    }

    /** One instruction of the Containerfile: its keyword and the rest of its (joined) line. */
    record Instruction(String keyword, String args) {
    }

    /** The instructions, continuation lines joined, comments and blank lines dropped. */
    static List<Instruction> parse(String text) {
        List<Instruction> out = new ArrayList<>();
        StringBuilder line = new StringBuilder();
        for (String raw : text.split("\n")) {
            String trimmed = raw.strip();
            if (line.length() == 0 && (trimmed.isEmpty() || trimmed.startsWith("#"))) {
                continue;
            }
            if (trimmed.endsWith("\\")) {
                line.append(trimmed, 0, trimmed.length() - 1).append(' ');
                continue;
            }
            line.append(trimmed);
            String[] parts = line.toString().split("\\s+", 2);
            out.add(new Instruction(parts[0].toUpperCase(), parts.length > 1 ? parts[1].strip() : ""));
            line.setLength(0);
        }
        return out;
    }

    private static List<Instruction> instructions() throws IOException {
        return parse(Files.readString(DIR.resolve("Containerfile")));
    }

    private static List<Instruction> all(List<Instruction> list, String keyword) {
        return list.stream().filter(i -> i.keyword().equals(keyword)).toList();
    }

    /** COPY destinations by source (the build context is the repository root; --from stages by name). */
    private static Map<String, String> copies(List<Instruction> list) {
        Map<String, String> copies = new LinkedHashMap<>();
        for (Instruction copy : all(list, "COPY")) {
            List<String> words = new ArrayList<>(Arrays.asList(copy.args().split("\\s+")));
            String from = "";
            while (words.get(0).startsWith("--")) {
                String flag = words.remove(0);
                if (flag.startsWith("--from=")) {
                    from = flag.substring("--from=".length()) + ":";
                }
            }
            String to = words.remove(words.size() - 1);
            for (String source : words) {
                copies.put(from + source, to);
            }
        }
        return copies;
    }

    @Test
    void everyCopySourceExistsAndEveryStageIsDefined() throws IOException {
        List<Instruction> list = instructions();
        Set<String> stages = new TreeSet<>();
        for (Instruction from : all(list, "FROM")) {
            Matcher m = Pattern.compile("(?i)\\s+AS\\s+(\\S+)$").matcher(from.args());
            if (m.find()) {
                stages.add(m.group(1));
            }
        }
        Map<String, String> copies = copies(list);
        assertTrue(copies.size() >= 3, "COPY instructions: " + copies);
        for (String source : copies.keySet()) {
            int colon = source.indexOf(':');
            if (colon > 0) {
                assertTrue(stages.contains(source.substring(0, colon)), "a stage named by COPY --from: " + source);
            } else {
                assertTrue(Files.exists(REPO.resolve(source)), "COPY source in the build context (repo root, after"
                        + " ./mvnw package): " + source);
            }
        }
    }

    /** bin/glyphctl looks for $home/jre/bin/java and $home/lib/glyphctl.jar: the COPY destinations must be those. */
    @Test
    void theJreAndTheJarLandWhereBinGlyphctlLooksForThem() throws IOException {
        Map<String, String> copies = copies(instructions());
        String launcher = copies.get("bin/glyphctl");
        assertTrue(launcher != null && launcher.endsWith("/bin/glyphctl"), "bin/glyphctl copied as */bin/glyphctl: " + copies);
        String home = launcher.substring(0, launcher.length() - "/bin/glyphctl".length());
        assertEquals(home + "/lib/glyphctl.jar", copies.get("supervisor/target/glyphctl.jar"), copies.toString());
        assertEquals(home + "/jre", copies.get("jre:/jre"), copies.toString());
        String script = Files.readString(REPO.resolve("bin/glyphctl"));
        assertTrue(script.contains("\"$home/lib/glyphctl.jar\""), "bin/glyphctl looks in $home/lib");
        assertTrue(script.contains("\"$home/jre/bin/java\""), "bin/glyphctl looks in $home/jre");
        assertTrue(script.contains("exec \"$java\""), "bin/glyphctl execs java: the JVM is PID 1, not bash");
    }

    /** The jlink'd JRE has every module that jdeps says the shaded jar needs. */
    @Test
    void theJreHasEveryModuleTheJarNeeds() throws Exception {
        Matcher m = Pattern.compile("--add-modules\\s+(\\S+)").matcher(instructions().toString());
        assertTrue(m.find(), "jlink --add-modules in the Containerfile");
        Set<String> linked = new TreeSet<>(Arrays.asList(m.group(1).split(",")));
        Path jdeps = Path.of(System.getProperty("java.home"), "bin", "jdeps");
        assertTrue(Files.isExecutable(jdeps), "jdeps of the JDK that runs the build: " + jdeps);
        Process p = new ProcessBuilder(jdeps.toString(), "--multi-release", "17", "--ignore-missing-deps",
                "--print-module-deps", REPO.resolve("supervisor/target/glyphctl.jar").toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes()).strip();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS) && p.exitValue() == 0, "jdeps: " + out);
        String last = out.lines().reduce((a, b) -> b).orElse("");
        Set<String> needed = new TreeSet<>(Arrays.asList(last.split(",")));
        needed.removeAll(linked);
        assertEquals(Set.of(), needed, "modules the jar needs that the JRE lacks (jdeps: " + last + ")");
    }

    /**
     * The ENTRYPOINT runs bin/glyphctl daemon (exec form) on the path the config is mounted at in both READMEs and in
     * the example's own comment; STOPSIGNAL is SIGTERM; the example's state and logs lie on the VOLUMEs.
     */
    @Test
    void theEntrypointReadsTheMountedConfigAndTheExampleUsesTheVolumes() throws Exception {
        List<Instruction> list = instructions();
        Map<String, String> copies = copies(list);
        List<String> entrypoint = new ArrayList<>();
        dev.glyphsupervisor.json.Json.read(all(list, "ENTRYPOINT").get(0).args()).forEach(n -> entrypoint.add(n.asText()));
        assertEquals(List.of(copies.get("bin/glyphctl"), "daemon", "--config"), entrypoint.subList(0, 3), entrypoint.toString());
        String config = entrypoint.get(3);
        assertEquals(4, entrypoint.size(), entrypoint.toString());
        assertEquals("SIGTERM", all(list, "STOPSIGNAL").get(0).args());

        String mount = ":" + config + ":ro";
        assertTrue(Files.readString(DIR.resolve("README.md")).contains("config.yaml" + mount), "deploy/container/README.md mounts " + config);
        assertTrue(Files.readString(REPO.resolve("README.md")).contains("config.yaml" + mount), "README.md mounts " + config);
        assertTrue(Files.readString(DIR.resolve("config.yaml")).contains(mount), "config.yaml's comment mounts " + config);

        List<String> volumes = new ArrayList<>();
        dev.glyphsupervisor.json.Json.read(all(list, "VOLUME").get(0).args()).forEach(n -> volumes.add(n.asText()));
        SupervisorConfig example = ConfigLoader.load(DIR.resolve("config.yaml"));
        ServerConfig server = example.onlyServer();
        assertEquals(List.of("bash", "界面推理.sh"), server.runtime().command(), "Glyph's launch script");
        for (Path path : List.of(example.stateDir(), example.audit().path(), server.runtime().log())) {
            assertTrue(volumes.stream().anyMatch(v -> path.startsWith(v)), path + " lies on a VOLUME " + volumes);
        }
    }

    /**
     * The image's layout ({@code opt/glyph-supervisor/{bin/glyphctl, lib/glyphctl.jar, jre}}, the JRE being the one
     * that runs this build) and its ENTRYPOINT, run as a container runs it: PID 1 of a new PID namespace, with an
     * environment as empty as an image's (PATH only: no LANG, no JAVA_HOME), on a launch script named 界面推理.sh.
     * The server comes up healthy; SIGTERM to PID 1 stops it and the namespace ends with 143.
     */
    @Test
    void theImagesEntrypointRunsAsPid1WithAnEmptyEnvironment() throws Exception {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")),
                "a PID namespace (unshare --pid) needs root; the CI runs as root, so this runs there");
        Map<String, String> copies = copies(instructions());
        Path image = Files.createDirectories(tmp.resolve("image"));
        Path launcher = image.resolve(copies.get("bin/glyphctl").substring(1));
        Files.createDirectories(launcher.getParent());
        Files.copy(REPO.resolve("bin/glyphctl"), launcher);
        Files.setPosixFilePermissions(launcher, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path jar = image.resolve(copies.get("supervisor/target/glyphctl.jar").substring(1));
        Files.createDirectories(jar.getParent());
        Files.copy(REPO.resolve("supervisor/target/glyphctl.jar"), jar);
        Files.createSymbolicLink(image.resolve(copies.get("jre:/jre").substring(1)), Path.of(System.getProperty("java.home")));

        int port = TestServer.freePort();
        Path root = Files.createDirectories(tmp.resolve("root"));
        Path script = root.resolve("界面推理.sh");
        Files.writeString(script, "#!/bin/bash\nfor i in 1 2 3; do (sleep 0.5 &); done\n"
                + "exec python3 '" + TestServer.SCRIPT + "' --port " + port + " --workers 1\n");
        Path audit = tmp.resolve("log/audit.jsonl");
        Path config = Files.writeString(tmp.resolve("config.yaml"), "runtime:\n"
                + "  command: [\"bash\", \"界面推理.sh\"]\n"
                + "  workdir: " + root + "\n"
                + "  port: " + port + "\n"
                + "  stop_grace: 5s\n"
                + "  log: " + tmp.resolve("log/runtime.log") + "\n"
                + "probes:\n"
                + "  schedule: \"30s\"\n"
                + "  startup_interval: 100ms\n"
                + "  http: {url: \"http://127.0.0.1:" + port + "/health\", timeout: 2s, expect_status: 200}\n"
                + "state_dir: " + tmp.resolve("state") + "\n"
                + "audit: {path: " + audit + "}\n");

        List<String> command = new ArrayList<>(List.of("env", "-i", "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                "unshare", "--pid", "--fork", "--mount-proc", "--kill-child", launcher.toString()));
        command.addAll(List.of("daemon", "--config", config.toString()));
        Path output = tmp.resolve("daemon.out");
        daemon = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile()).start();

        Await.until(T, "the server healthy", () -> events(audit).stream()
                .anyMatch(e -> e.get("event").asText().equals("runtime_healthy")), () -> describe(audit, output));
        long init = ProcessTable.snapshot().stream().filter(p -> p.ppid() == daemon.pid()).map(ProcInfo::pid)
                .findFirst().orElseThrow();
        Signals.kill(init, Signals.SIGTERM);
        assertTrue(daemon.waitFor(T.toSeconds(), TimeUnit.SECONDS), describe(audit, output));
        assertEquals(143, daemon.exitValue(), describe(audit, output));
        JsonNode stopped = events(audit).stream().filter(e -> e.get("event").asText().equals("runtime_stopped"))
                .reduce((a, b) -> b).orElseThrow(() -> new AssertionError(describe(audit, output)));
        assertEquals("SIGTERM", stopped.get("signal").asText(), stopped.toString());
        assertTrue(events(audit).stream().anyMatch(e -> e.get("event").asText().equals("supervisor_stopped")),
                describe(audit, output));
    }

    private static List<JsonNode> events(Path audit) {
        try {
            return Files.exists(audit) ? AuditReader.readAll(audit) : List.of();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String describe(Path audit, Path output) {
        try {
            return "\naudit:\n  " + String.join("\n  ", events(audit).stream().map(JsonNode::toString).toList())
                    + "\ndaemon output:\n" + (Files.exists(output) ? Files.readString(output) : "");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
