package dev.glyphsupervisor.daemon;

import dev.glyphsupervisor.config.ConfigLoader;
import dev.glyphsupervisor.config.SupervisorConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The worst case of the daemon's own stop, from the config. With the defaults it is longer than the unit's
 * TimeoutStopSec (systemd would SIGKILL a stop in progress), which is why the daemon extends it at its stop.
 */
class ShutdownBudgetTest {

    private static final Path ROOT = Path.of(System.getProperty("basedir", "."), "..").toAbsolutePath().normalize();

    @TempDir
    Path dir;

    private SupervisorConfig config(String runtimeExtra, String probes, String restart) throws Exception {
        Path file = Files.writeString(dir.resolve("c.yaml"), "runtime:\n  command: [\"sleep\", \"1\"]\n" + runtimeExtra
                + "probes:\n" + probes + "restart:\n  backoff_initial: 1s\n" + restart
                + "state_dir: " + dir.resolve("state") + "\n");
        return ConfigLoader.load(file);
    }

    @Test
    void theDefaultsAddUpTo125SecondsWithAPortAndAGpu() throws Exception {
        ShutdownBudget b = ShutdownBudget.of(config("  port: 7860\n", "  gpu: {max_process_memory: 4GiB}\n", ""));
        assertEquals(Duration.ofSeconds(20 + 10 + 30 + 60 + 5), b.total());
        assertEquals("125s = runtime.stop_grace 20s + restart.kill_timeout 10s + restart.release_timeout 30s"
                + " + probes.gpu.release_timeout 60s + records and exit 5s", b.describe());
    }

    @Test
    void withoutAPortOrAGpuThereIsNothingToWaitForAfterTheTree() throws Exception {
        ShutdownBudget b = ShutdownBudget.of(config("  stop_grace: 1500ms\n", "  schedule: 10s\n", "  kill_timeout: 2s\n"));
        assertEquals(Duration.ofMillis(1500 + 2000 + 5000), b.total());
        assertEquals("8500ms = runtime.stop_grace 1500ms + restart.kill_timeout 2s + records and exit 5s", b.describe());
    }

    /** The real-GPU config: 10 + 10 + 30 + 60 + 5. */
    @Test
    void theGpuValidationConfig() throws Exception {
        SupervisorConfig gpu = ConfigLoader.load(ROOT.resolve("docs/gpu-validation/gpu.yaml"));
        assertEquals(Duration.ofSeconds(115), ShutdownBudget.of(gpu).total());
    }

    /** The unit's fixed stop timeout is shorter than the defaults' worst case: it must be extended, not trusted. */
    @Test
    void theUnitsTimeoutStopSecIsShorterThanTheDefaultsWorstCase() throws Exception {
        String unit = Files.readString(ROOT.resolve("systemd/glyph-supervisor.service"));
        Matcher m = Pattern.compile("(?m)^TimeoutStopSec=(\\d+)s$").matcher(unit);
        assertTrue(m.find(), "the unit sets TimeoutStopSec");
        Duration unitTimeout = Duration.ofSeconds(Long.parseLong(m.group(1)));
        Duration defaults = ShutdownBudget.of(config("  port: 7860\n", "  gpu: {max_process_memory: 4GiB}\n", "")).total();
        assertTrue(defaults.compareTo(unitTimeout) > 0, defaults + " vs " + unitTimeout);
        assertTrue(unit.contains("EXTEND_TIMEOUT_USEC"), "the unit says how the daemon stretches it");
    }
}
