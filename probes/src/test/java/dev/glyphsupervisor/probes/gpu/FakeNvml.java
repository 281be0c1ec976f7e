package dev.glyphsupervisor.probes.gpu;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The fake libnvidia-ml.so.1 builds (src/test/c/fake_nvml.c, compiled by the pom) and its script file.
 * The fake re-reads the script on every call, so a test scripts the driver's state before each step.
 */
final class FakeNvml {

    static final long MIB = 1024L * 1024;
    static final long GIB = 1024 * MIB;

    private static final AtomicLong EPOCH = new AtomicLong();

    private FakeNvml() {
    }

    /** A current driver: _v3 process list and MemoryInfo_v2 present. */
    static Path currentDriver() {
        return build("current");
    }

    /** An old driver whose library really lacks nvmlDeviceGetComputeRunningProcesses_v3 and MemoryInfo_v2. */
    static Path oldDriver() {
        return build("old-driver");
    }

    private static Path build(String variant) {
        return Path.of(System.getProperty("fake.nvml.dir"), variant, "libnvidia-ml.so.1");
    }

    /**
     * Replaces the script. A fresh epoch line resets the fake's growth counters. Written to a temporary
     * file and moved into place, so the fake never reads half a script.
     */
    static void script(String... lines) {
        List<String> all = new ArrayList<>();
        all.add("epoch " + EPOCH.incrementAndGet());
        all.addAll(List.of(lines));
        Path script = Path.of(System.getenv("FAKE_NVML_SCRIPT"));
        try {
            Path temporary = Files.createTempFile(script.getParent(), "script", ".tmp");
            Files.write(temporary, all);
            Files.move(temporary, script, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
