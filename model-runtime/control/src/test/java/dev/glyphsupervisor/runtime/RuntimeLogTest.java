package dev.glyphsupervisor.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.FileOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RuntimeLogTest {

    @TempDir
    Path tmp;

    @Test
    void aLargerLogIsCopiedAsidePreviousCopyReplacedAndTruncated() throws Exception {
        Path log = Files.writeString(tmp.resolve("runtime.log"), "0123456789");
        Files.writeString(tmp.resolve("runtime.log.1"), "older rotation");
        assertTrue(RuntimeLog.rotateIfLarger(log, 5), "it says it rotated");
        assertEquals("0123456789", Files.readString(tmp.resolve("runtime.log.1")));
        assertEquals(0, Files.size(log));
    }

    @Test
    void aLogWithinTheBoundIsLeftAlone() throws Exception {
        Path log = Files.writeString(tmp.resolve("runtime.log"), "0123456789");
        RuntimeLog.rotateIfLarger(log, 10);
        RuntimeLog.rotateIfLarger(log, 0);
        assertEquals("0123456789", Files.readString(log));
        assertFalse(Files.exists(tmp.resolve("runtime.log.1")));
    }

    @Test
    void aMissingLogIsFine() throws Exception {
        RuntimeLog.rotateIfLarger(tmp.resolve("none.log"), 1);
        assertFalse(Files.exists(tmp.resolve("none.log")));
    }

    /** Why truncating under a running server is safe: its O_APPEND writes land at the new end, no hole. */
    @Test
    void anAppendingWriterContinuesAtTheStartAfterTruncation() throws Exception {
        Path log = tmp.resolve("runtime.log");
        try (FileOutputStream writer = new FileOutputStream(log.toFile(), true)) {
            writer.write("before rotation, long enough\n".getBytes(StandardCharsets.UTF_8));
            writer.flush();
            RuntimeLog.rotateIfLarger(log, 5);
            writer.write("after\n".getBytes(StandardCharsets.UTF_8));
        }
        assertEquals("after\n", Files.readString(log));
        assertEquals("before rotation, long enough\n", Files.readString(tmp.resolve("runtime.log.1")));
    }
}
