package dev.glyphsupervisor.daemon;

import dev.glyphsupervisor.probes.gpu.GpuMemoryProbe;
import dev.glyphsupervisor.probes.gpu.Nvml;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The GPU side of a relaunch on a shared device, over the real binding and the fake libnvidia-ml.so.1: the release
 * judges what the old tree holds, never what other processes took meanwhile; the fit check says who fills the device.
 */
class GpuReleaseTest {

    private static final long GIB = 1L << 30;
    private static final Path FAKE_NVML = Path.of(System.getProperty("basedir", "."), "..", "probes", "target",
            "fake-nvml", "current", "libnvidia-ml.so.1").toAbsolutePath().normalize();
    private static final long OLD = 4242;
    private static final long NOTEBOOK = 7777;

    private final Nvml nvml = Nvml.open(Optional.of(FAKE_NVML));
    private final GpuMemoryProbe probe = new GpuMemoryProbe(nvml, List.of());

    @AfterEach
    void close() {
        nvml.close();
    }

    /** One 80 GiB device: used is what the listed processes hold plus {@code unowned}. */
    private static void device(long unowned, long... pidBytes) throws IOException {
        StringBuilder sb = new StringBuilder("device GPU-0 " + 80 * GIB + " auto NVIDIA H100 80GB HBM3\nunowned 0 " + unowned + "\n");
        for (int i = 0; i < pidBytes.length; i += 2) {
            sb.append("process 0 ").append(pidBytes[i]).append(' ').append(pidBytes[i + 1]).append('\n');
        }
        Path script = Path.of(System.getenv("FAKE_NVML_SCRIPT"));
        Path tmp = script.resolveSibling("fake-nvml-script.tmp");
        Files.writeString(tmp, sb.toString());
        Files.move(tmp, script, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private GpuRelease release(Duration timeout, double limitFraction, Map<Integer, Long> footprint) {
        return new GpuRelease(probe, timeout, 256L << 20,
                total -> limitFraction < 0 ? OptionalLong.empty() : OptionalLong.of((long) (limitFraction * total)),
                () -> footprint);
    }

    @Test
    void memoryOtherProcessesTookAfterTheLaunchDoesNotHoldTheRelease() throws Exception {
        device(GIB);                                             // before the launch: 1 GiB the driver holds
        GpuRelease r = release(Duration.ofSeconds(20), -1, Map.of());
        Map<Integer, Long> baseline = r.baseline();
        assertEquals(Map.of(0, GIB), baseline);
        device(GIB, NOTEBOOK, 30 * GIB);                         // the old tree is gone; a notebook took 30 GiB

        GpuRelease.Result result = r.await(Set.of(OLD), baseline, true);
        assertTrue(result.converged(), result.toString());
        assertTrue(result.waitedMs() < 1_000, "no wait for memory that is someone else's: " + result);
        assertEquals(Map.of(), result.values());
    }

    @Test
    void aPidOfTheOldTreeStillListedHoldsTheReleaseAndIsNamed() throws Exception {
        device(0);
        GpuRelease r = release(Duration.ofMillis(300), -1, Map.of());
        Map<Integer, Long> baseline = r.baseline();
        device(0, OLD, 5 * GIB, NOTEBOOK, 30 * GIB);

        GpuRelease.Result result = r.await(Set.of(OLD), baseline, true);
        assertFalse(result.converged());
        assertEquals(Map.of("4242", 5 * GIB), result.values().get("old_pids_holding"));
        assertFalse(r.check(Set.of(OLD)).converged());
        device(0, NOTEBOOK, 30 * GIB);
        assertTrue(r.check(Set.of(OLD)).converged());
    }

    /** A dead context the driver frees late: memory no listed process accounts for, over its figure before the launch. */
    @Test
    void unlistedMemoryThatAppearedWhileTheTreeRanIsWaitedForThenNamedNotBlocking() throws Exception {
        device(GIB);
        GpuRelease r = release(Duration.ofMillis(400), -1, Map.of());
        Map<Integer, Long> baseline = r.baseline();
        device(6 * GIB, NOTEBOOK, 30 * GIB);

        GpuRelease.Result result = r.await(Set.of(OLD), baseline, true);
        assertTrue(result.waitedMs() >= 400, "waited for it: " + result);
        assertTrue(result.converged(), "whose it is cannot be known: the fit check decides");
        assertTrue(result.values().containsKey("unowned_over_baseline"), result.toString());

        GpuRelease.Result stopping = r.await(Set.of(OLD), baseline, false);
        assertTrue(stopping.converged() && stopping.waitedMs() < 300, "no launch follows: only the old pids count");
    }

    @Test
    void aDeviceThatCannotFitTheServerSaysWhoHoldsHowMuch() throws Exception {
        GpuRelease r = release(Duration.ofSeconds(1), 0.75, Map.of(0, 20 * GIB));
        device(0, NOTEBOOK, 45 * GIB);                           // 15 GiB free under the 60 GiB ceiling
        GpuRelease.Busy busy = r.busy().orElseThrow();
        @SuppressWarnings("unchecked")
        Map<String, Object> d = ((List<Map<String, Object>>) busy.values().get("devices")).get(0);
        assertEquals(20 * GIB, d.get("needs"));
        assertEquals(15 * GIB, d.get("free"));
        assertEquals(60 * GIB, d.get("ceiling"));
        assertEquals(Map.of("7777", 45 * GIB), d.get("processes"));
        assertEquals("GPU 0 has 15.0 GiB free under its limit of 60.0 GiB, the server needs 20.0 GiB; in use 45.0 GiB: "
                + "pid 7777 45.0 GiB", busy.detail());

        device(0, NOTEBOOK, 40 * GIB);
        assertTrue(r.busy().isEmpty(), "20 GiB free: it fits");
        assertTrue(release(Duration.ofSeconds(1), 0.75, Map.of()).busy().isEmpty(), "no footprint yet: launch");
    }

    /** A limit below the server's own size cannot be met by waiting: the total is the ceiling then, never a wait forever. */
    @Test
    @SuppressWarnings("unchecked")
    void aLimitBelowTheServersOwnSizeIsNotAReasonToWaitForever() throws Exception {
        GpuRelease r = release(Duration.ofSeconds(1), 0.5, Map.of(0, 45 * GIB));
        device(0);
        assertTrue(r.busy().isEmpty());
        device(0, NOTEBOOK, 40 * GIB);
        assertEquals(80 * GIB, ((List<Map<String, Object>>) r.busy().orElseThrow().values().get("devices")).get(0).get("ceiling"));
    }
}
