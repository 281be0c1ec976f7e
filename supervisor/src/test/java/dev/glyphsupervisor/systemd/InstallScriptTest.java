package dev.glyphsupervisor.systemd;

import dev.glyphsupervisor.cli.Glyphctl;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The real {@code systemd/install.sh} against real files, installing into a temporary root
 * ({@code --root}): no user is created and no running systemd is touched, which is also all that can be
 * done on a machine where systemd is not PID 1.
 *
 * <p>The script runs from a copy of the project's files it installs (same bytes) plus two <em>fake</em>
 * jars: the script only copies the jars, and in {@code ./mvnw verify} this module's tests run before its
 * own {@code package} phase, so the real {@code glyphctl.jar} may not exist yet. Whether the real jars
 * start is the e2e tests' business, not this one's.
 */
class InstallScriptTest {

    private static final String UNIT = "etc/systemd/system/glyph-supervisor.service";
    private static final String CONFIG = "etc/glyph-supervisor/supervisor.yaml";
    private static final Path PROJECT = Path.of("").toAbsolutePath().getParent();

    @TempDir
    Path tmp;

    private Path src;
    private Path root;

    @BeforeEach
    void sourceTreeWithFakeJars() throws IOException {
        src = tmp.resolve("src");
        root = Files.createDirectories(tmp.resolve("root"));
        for (String file : List.of("systemd/install.sh", "systemd/glyph-supervisor.service", "systemd/supervisor.yaml",
                "bin/glyphctl", "docs/systemd.md")) {
            copy(PROJECT.resolve(file), src.resolve(file));
        }
        try (Stream<Path> examples = Files.list(PROJECT.resolve("conf/examples"))) {
            for (Path example : examples.toList()) {
                copy(example, src.resolve("conf/examples").resolve(example.getFileName()));
            }
        }
        write(src.resolve("supervisor/target/glyphctl.jar"), "fake glyphctl.jar");
        write(src.resolve("model-runtime/reference/target/reference-runtime.jar"), "fake reference-runtime.jar");
    }

    @Test
    void installsEverythingAndASecondRunChangesNothing() throws Exception {
        Run first = install("--root", root.toString());
        assertEquals(0, first.exit, first.output);
        assertTrue(first.output.contains("not creating user glyph"), first.output);

        assertFile("opt/glyph-supervisor/bin/glyphctl", "rwxr-xr-x", src.resolve("bin/glyphctl"));
        assertFile("opt/glyph-supervisor/lib/glyphctl.jar", "rw-r--r--", src.resolve("supervisor/target/glyphctl.jar"));
        assertFile("opt/glyph-supervisor/lib/reference-runtime.jar", "rw-r--r--",
                src.resolve("model-runtime/reference/target/reference-runtime.jar"));
        assertFile("opt/glyph-supervisor/conf/examples/glyph.yaml", "rw-r--r--", src.resolve("conf/examples/glyph.yaml"));
        assertFile("opt/glyph-supervisor/conf/examples/glyph-stack.yaml", "rw-r--r--", src.resolve("conf/examples/glyph-stack.yaml"));
        assertFile("opt/glyph-supervisor/docs/systemd.md", "rw-r--r--", src.resolve("docs/systemd.md"));
        assertFile(UNIT, "rw-r--r--", src.resolve("systemd/glyph-supervisor.service"));
        assertFile(CONFIG, "rw-r-----", src.resolve("systemd/supervisor.yaml"));
        assertEquals("rwxr-x---", permissions(root.resolve("etc/glyph-supervisor")));
        assertEquals(Path.of("/opt/glyph-supervisor/bin/glyphctl"),
                Files.readSymbolicLink(root.resolve("usr/local/bin/glyphctl")));
        if (onPath("systemctl")) {
            assertEquals(Path.of("/etc/systemd/system/glyph-supervisor.service"),
                    Files.readSymbolicLink(root.resolve("etc/systemd/system/multi-user.target.wants/glyph-supervisor.service")));
        }

        Map<String, String> before = snapshot(root);
        Run second = install("--root", root.toString());
        assertEquals(0, second.exit, second.output);
        assertTrue(second.output.contains("nothing changed"), second.output);
        assertFalse(second.output.contains("installed:"), second.output);
        assertEquals(before, snapshot(root), "the second run must leave every file, mode and mtime as it was");
    }

    @Test
    void neverOverwritesAnExistingConfig() throws Exception {
        write(root.resolve(CONFIG), "# the operator's own config\n");

        Run first = install("--root", root.toString());
        assertEquals(0, first.exit, first.output);
        assertEquals("# the operator's own config\n", Files.readString(root.resolve(CONFIG)));
        assertFile(CONFIG + ".new", "rw-r-----", src.resolve("systemd/supervisor.yaml"));
        assertTrue(first.output.contains("kept: /" + CONFIG), first.output);

        Map<String, String> before = snapshot(root);
        Run second = install("--root", root.toString());
        assertEquals(0, second.exit, second.output);
        assertTrue(second.output.contains("nothing changed"), second.output);
        assertEquals(before, snapshot(root));
    }

    @Test
    void uninstallRemovesWhatItInstalledAndKeepsConfigStateAndLogs() throws Exception {
        assertEquals(0, install("--root", root.toString()).exit);
        write(root.resolve("var/lib/glyph-supervisor/supervisor.lock"), "");
        write(root.resolve("var/log/glyph-supervisor/audit.jsonl"), "{}\n");

        Run uninstall = install("--root", root.toString(), "--uninstall");
        assertEquals(0, uninstall.exit, uninstall.output);
        for (String gone : List.of("opt/glyph-supervisor", UNIT, "usr/local/bin/glyphctl",
                "etc/systemd/system/multi-user.target.wants/glyph-supervisor.service")) {
            assertFalse(Files.exists(root.resolve(gone), LinkOption.NOFOLLOW_LINKS), gone + " must be removed");
        }
        for (String kept : List.of(CONFIG, "var/lib/glyph-supervisor/supervisor.lock", "var/log/glyph-supervisor/audit.jsonl")) {
            assertTrue(Files.exists(root.resolve(kept)), kept + " must be kept");
        }
        assertTrue(uninstall.output.contains("kept: /etc/glyph-supervisor (config)"), uninstall.output);

        Run again = install("--root", root.toString(), "--uninstall");
        assertEquals(0, again.exit, again.output);
    }

    @Test
    void aMissingJarFailsNamingTheBuildCommandAndInstallsNothing() throws Exception {
        Files.delete(src.resolve("supervisor/target/glyphctl.jar"));

        Run run = install("--root", root.toString());
        assertNotEquals(0, run.exit, run.output);
        assertTrue(run.output.contains("supervisor/target/glyphctl.jar is missing"), run.output);
        assertTrue(run.output.contains("./mvnw -B package -DskipTests"), run.output);
        assertEquals(Map.of(), snapshot(root));
    }

    @Test
    void dryRunChangesNothing() throws Exception {
        Run run = install("--root", root.toString(), "--dry-run");
        assertEquals(0, run.exit, run.output);
        assertTrue(run.output.contains("would install: /" + UNIT), run.output);
        assertEquals(Map.of(), snapshot(root));
    }

    /**
     * {@code systemd-analyze verify} checks that ExecStart's binary exists, resolving it on the real root
     * unless {@code --root} is given; with {@code --root} it also needs systemd's own units (sysinit.target
     * ...) there, so the host's are copied in. The second half proves that the binary really was looked up
     * inside the temporary root.
     */
    @Test
    void installedUnitPassesSystemdAnalyzeVerify() throws Exception {
        assumeTrue(onPath("systemd-analyze"), "systemd-analyze is not installed");
        Path hostUnits = Stream.of(Path.of("/usr/lib/systemd/system"), Path.of("/lib/systemd/system"))
                .filter(p -> Files.exists(p.resolve("sysinit.target"))).findFirst().orElse(null);
        assumeTrue(hostUnits != null, "no systemd units on this host");
        assertEquals(0, install("--root", root.toString()).exit);
        Files.createDirectories(root.resolve("usr/lib/systemd"));
        assertEquals(0, exec("cp", "-a", hostUnits.toString(), root.resolve("usr/lib/systemd/").toString()).exit);

        Run verify = exec("systemd-analyze", "verify", "--root=" + root, root.resolve(UNIT).toString());
        assertEquals(0, verify.exit, verify.output);
        assertFalse(verify.output.contains("glyph-supervisor.service:"), verify.output);

        Files.delete(root.resolve("opt/glyph-supervisor/bin/glyphctl"));
        Run broken = exec("systemd-analyze", "verify", "--root=" + root, root.resolve(UNIT).toString());
        assertNotEquals(0, broken.exit, broken.output);
        assertTrue(broken.output.contains("/opt/glyph-supervisor/bin/glyphctl is not executable"), broken.output);
    }

    /** The installed config is valid for glyphctl (without checking this machine: no /opt here). */
    @Test
    void installedConfigPassesGlyphctlCheck() throws Exception {
        assertEquals(0, install("--root", root.toString()).exit);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = Glyphctl.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));

        int exit = cli.execute("check", "--syntax-only", "--config", root.resolve(CONFIG).toString());
        assertEquals(0, exit, err.toString());
        assertTrue(out.toString().contains("state_dir: /var/lib/glyph-supervisor"), out.toString());
    }

    private void assertFile(String relative, String permissions, Path expectedContent) throws IOException {
        Path file = root.resolve(relative);
        assertTrue(Files.isRegularFile(file), relative + " must be installed");
        assertEquals(permissions, permissions(file), relative);
        assertTrue(Arrays.equals(Files.readAllBytes(expectedContent), Files.readAllBytes(file)), relative + " content");
    }

    /** Every path under dir with its type, mode, mtime and content (or link target). */
    private static Map<String, String> snapshot(Path dir) throws IOException {
        Map<String, String> entries = new TreeMap<>();
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.filter(p -> !p.equals(dir)).toList()) {
                String what;
                if (Files.isSymbolicLink(p)) {
                    what = "link " + Files.readSymbolicLink(p);
                } else if (Files.isDirectory(p)) {
                    what = "dir " + permissions(p);
                } else {
                    what = "file " + permissions(p) + " " + Files.getLastModifiedTime(p) + " "
                            + Arrays.hashCode(Files.readAllBytes(p));
                }
                entries.put(dir.relativize(p).toString(), what);
            }
        }
        return entries;
    }

    private static String permissions(Path p) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS));
    }

    private Run install(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("bash", src.resolve("systemd/install.sh").toString()));
        command.addAll(List.of(args));
        return exec(command.toArray(String[]::new));
    }

    private static Run exec(String... command) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        process.getOutputStream().close();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "timed out: " + String.join(" ", command));
        return new Run(process.exitValue(), output);
    }

    private static boolean onPath(String program) {
        return Stream.of(System.getenv().getOrDefault("PATH", "").split(":"))
                .anyMatch(dir -> !dir.isEmpty() && Files.isExecutable(Path.of(dir, program)));
    }

    private static void copy(Path from, Path to) throws IOException {
        Files.createDirectories(to.getParent());
        Files.copy(from, to, StandardCopyOption.COPY_ATTRIBUTES);
    }

    private static void write(Path file, String content) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, content);
    }

    private record Run(int exit, String output) {
    }
}
