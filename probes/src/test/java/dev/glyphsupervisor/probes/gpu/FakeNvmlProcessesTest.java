package dev.glyphsupervisor.probes.gpu;

import static dev.glyphsupervisor.probes.gpu.FakeNvml.GIB;
import static dev.glyphsupervisor.probes.gpu.FakeNvml.script;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The fake's model of real processes on a shared GPU, which the supervisor's tests build on: processes found by an
 * environment entry (a supervised server across its generations, a foreign job), memory that no listed process
 * accounts for, and what a dead process leaves behind (its pid still listed, then its memory held by no one).
 */
class FakeNvmlProcessesTest {

    private static final String DEVICE = "device GPU-aaaa-0000 " + 80 * GIB + " auto NVIDIA H100 80GB HBM3";

    private final Nvml nvml = Nvml.open(Optional.of(FakeNvml.currentDriver()));
    private Process process;

    @AfterEach
    void close() throws InterruptedException {
        if (process != null) {
            process.destroyForcibly().waitFor();
        }
        nvml.close();
    }

    private Process sleeper(String entry) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("sleep", "60");
        pb.environment().put(entry.substring(0, entry.indexOf('=')), entry.substring(entry.indexOf('=') + 1));
        process = pb.start();
        return process;
    }

    private DeviceReading read() {
        GpuReading r = new GpuMemoryProbe(nvml, List.of()).read(Set.of());
        assertEquals(GpuReading.Status.OK, r.status(), r.reason());
        return r.devices().get(0);
    }

    private static void until(String what, BooleanSupplier done) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!done.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "timed out waiting for " + what);
            Thread.sleep(20);
        }
    }

    @Test
    void autoUsedIsTheListedProcessesPlusTheUnownedBytes() {
        script(DEVICE, "process 0 100 " + GIB, "process 0 101 NA", "unowned 0 " + 3 * GIB);
        DeviceReading d = read();
        assertEquals(4 * GIB, d.used());
        assertEquals(List.of(new GpuProcess(100, GIB), new GpuProcess(101, GpuProcess.NOT_AVAILABLE)), d.processes());
    }

    @Test
    void aMarkedProcessIsListedWhileItLivesAndLeavesNothingByDefault() throws Exception {
        String entry = "FAKE_NVML_TEST=" + System.nanoTime();
        script(DEVICE, "marked 0 " + entry + " " + 2 * GIB);
        assertEquals(List.of(), read().processes());

        long pid = sleeper(entry).pid();
        assertEquals(List.of(new GpuProcess(pid, 2 * GIB)), read().processes());
        assertEquals(2 * GIB, read().used());

        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        assertEquals(List.of(), read().processes());
        assertEquals(0, read().used());
    }

    @Test
    void aDeadMarkedProcessStaysListedThenHeldByNoOneThenFreed() throws Exception {
        String entry = "FAKE_NVML_TEST=" + System.nanoTime();
        script(DEVICE, "marked 0 " + entry + " " + 2 * GIB, "linger 400 400");
        long pid = sleeper(entry).pid();
        assertEquals(List.of(new GpuProcess(pid, 2 * GIB)), read().processes());

        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        long died = System.nanoTime();
        assertEquals(List.of(new GpuProcess(pid, 2 * GIB)), read().processes(), "a pid that outlives its process");
        until("the pid to leave the list", () -> read().processes().isEmpty());
        assertEquals(2 * GIB, read().used(), "its memory, held by no one");
        until("the memory to come back", () -> read().used() == 0);
        assertTrue(System.nanoTime() - died >= Duration.ofMillis(800).toNanos());
    }

    @Test
    void aPidThatOutlivesItsTreeForGood() throws Exception {
        String entry = "FAKE_NVML_TEST=" + System.nanoTime();
        script(DEVICE, "marked 0 " + entry + " " + GIB, "linger -1 0");
        long pid = sleeper(entry).pid();
        read();
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        // "For good" is judged over a window longer than the finite linger the test above waits out (800 ms).
        long until = System.nanoTime() + Duration.ofMillis(1_200).toNanos();
        do {
            assertEquals(List.of(new GpuProcess(pid, GIB)), read().processes());
            Thread.sleep(20); // poll interval
        } while (System.nanoTime() < until);
    }
}
