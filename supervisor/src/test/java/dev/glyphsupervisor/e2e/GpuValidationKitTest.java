package dev.glyphsupervisor.e2e;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The real-GPU kit (docs/gpu-validation) runs where there is no Java build and no second try, so its own logic is
 * checked here: every script parses, and shared.sh runs end to end in its dry mode, on the fake libnvidia-ml.so.1 and
 * servers that allocate nothing, with every check passing.
 */
class GpuValidationKitTest {

    private static final Path KIT = Path.of(System.getProperty("basedir", "."), "..", "docs", "gpu-validation")
            .toAbsolutePath().normalize();

    @TempDir
    Path dir;

    private static int run(List<String> command, Path output, java.util.Map<String, String> env, long timeoutS)
            throws Exception {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.environment().keySet().removeIf(name -> name.startsWith("GLYPH_") || name.equals("NOTIFY_SOCKET"));
        pb.environment().putAll(env);
        Process p = pb.start();
        if (!p.waitFor(timeoutS, TimeUnit.SECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            throw new AssertionError(command + " did not end within " + timeoutS + " s:\n" + Files.readString(output));
        }
        return p.exitValue();
    }

    @Test
    void everyScriptOfTheKitParses() throws Exception {
        for (String script : List.of("run.sh", "shared.sh", "gpu_server.sh")) {
            Path out = dir.resolve(script + ".out");
            assertEquals(0, run(List.of("bash", "-n", KIT.resolve(script).toString()), out, java.util.Map.of(), 30),
                    Files.readString(out));
        }
        for (String python : List.of("creeping_server.py", "steady_server.py", "foreign_gpu.py")) {
            Path out = dir.resolve(python + ".out");
            assertEquals(0, run(List.of("python3", "-m", "py_compile", KIT.resolve(python).toString()), out,
                    java.util.Map.of("PYTHONPYCACHEPREFIX", dir.resolve("pycache").toString()), 30), Files.readString(out));
        }
    }

    @Test
    void sharedShPassesEveryCheckInItsDryRun() throws Exception {
        Path out = dir.resolve("out");
        Path log = dir.resolve("shared.log");
        int exit = run(List.of("bash", KIT.resolve("shared.sh").toString()), log, java.util.Map.of(
                "GLYPH_GPU_DRY", "1",
                "OUT", out.toString(),
                "GLYPH_GPU_WORK", dir.resolve("work").toString(),
                "GLYPH_GPU_PORT", Integer.toString(TestServer.freePort()),
                "JAVA_HOME", System.getProperty("java.home"),
                "GLYPH_JAR", GlyphctlLauncher.launcherJar().toString()), 300);
        String summary = Files.exists(out.resolve("summary.txt")) ? Files.readString(out.resolve("summary.txt")) : "";
        assertEquals(0, exit, Files.readString(log) + "\n" + summary);
        assertTrue(summary.contains("== 0 check(s) failed"), summary);
        assertTrue(summary.lines().filter(l -> l.startsWith("PASS  ")).count() >= 16, summary);
        assertTrue(Files.readString(out.resolve("A-status.txt")).contains("\n  gpu 0       "), summary);
    }
}
