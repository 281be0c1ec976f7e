package dev.glyphsupervisor.lock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(120)
class StateDirLockTest {

    private static final long OUR_PID = ProcessHandle.current().pid();

    @TempDir
    Path dir;

    @Test
    void acquireReleaseAndAcquireAgain() throws Exception {
        Path stateDir = dir.resolve("state/nested"); // created on demand
        StateDirLock first = StateDirLock.acquire(stateDir);
        assertEquals(stateDir.resolve("supervisor.lock"), first.path());
        first.close();
        first.close(); // a second close does nothing
        try (StateDirLock again = StateDirLock.acquire(stateDir)) {
            assertTrue(Files.exists(again.path()));
        }
    }

    @Test
    void anotherProcessIsRefusedNamingOurPidUntilWeRelease() throws Exception {
        StateDirLock lock = StateDirLock.acquire(dir);
        try {
            Outcome refused = runOther("try");
            assertEquals(3, refused.exitCode, refused.output);
            assertEquals("HELD " + OUR_PID + " another glyph-supervisor (pid " + OUR_PID + ") holds the lock "
                    + dir.resolve("supervisor.lock"), refused.output);
        } finally {
            lock.close();
        }
        Outcome acquired = runOther("try");
        assertEquals(0, acquired.exitCode, acquired.output);
        assertTrue(acquired.output.startsWith("ACQUIRED "), acquired.output);
    }

    /** The trap: a second channel on the file in this JVM, once closed, would drop our lock. */
    @Test
    void secondAcquireInThisJvmIsRefusedAndLeavesTheLockHeld() throws Exception {
        try (StateDirLock lock = StateDirLock.acquire(dir)) {
            LockHeldException e = assertThrows(LockHeldException.class, () -> StateDirLock.acquire(dir));
            assertEquals(OUR_PID, e.holderPid());
            assertEquals(lock.path(), e.lockFile());

            Outcome other = runOther("try");
            assertEquals(3, other.exitCode, "our lock must survive the refused attempt: " + other.output);
        }
    }

    @Test
    void weAreRefusedNamingTheOtherProcessWhileItHolds() throws Exception {
        Process holder = startOther("hold");
        try (BufferedReader out = new BufferedReader(
                new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8))) {
            String line = out.readLine();
            assertTrue(line != null && line.startsWith("ACQUIRED "), "holder said: " + line);
            long holderPid = Long.parseLong(line.substring("ACQUIRED ".length()));
            assertEquals(holder.pid(), holderPid);

            LockHeldException e = assertThrows(LockHeldException.class, () -> StateDirLock.acquire(dir));
            assertEquals(holderPid, e.holderPid());
            assertEquals("another glyph-supervisor (pid " + holderPid + ") holds the lock "
                    + dir.resolve("supervisor.lock"), e.getMessage());

            holder.getOutputStream().close(); // tells the holder to release and exit
            assertTrue(holder.waitFor(60, TimeUnit.SECONDS), "holder did not exit");
            assertEquals(0, holder.exitValue());
        } finally {
            holder.destroyForcibly();
        }
        try (StateDirLock lock = StateDirLock.acquire(dir)) {
            assertTrue(Files.exists(lock.path()));
        }
    }

    @Test
    void stateDirThatIsARegularFileIsAClearError() throws IOException {
        Path file = Files.createFile(dir.resolve("state"));
        IOException e = assertThrows(IOException.class, () -> StateDirLock.acquire(file));
        assertEquals("state directory " + file + " exists but is not a directory", e.getMessage());
    }

    @Test
    void lockFileIsNeverDeletedAndHoldsThePid() throws Exception {
        Path lockFile;
        try (StateDirLock lock = StateDirLock.acquire(dir)) {
            lockFile = lock.path();
        }
        assertTrue(Files.exists(lockFile));
        // Safe to read only now: while we held the lock, closing this read channel would have dropped it.
        assertEquals(OUR_PID + "\n", Files.readString(lockFile));
    }

    @Test
    void aLongerOldPidIsOverwrittenNotAppended() throws Exception {
        Files.writeString(dir.resolve("supervisor.lock"), "123456789012\n");
        try (StateDirLock lock = StateDirLock.acquire(dir)) {
            Outcome other = runOther("try");
            assertTrue(other.output.startsWith("HELD " + OUR_PID + " another glyph-supervisor (pid " + OUR_PID
                    + ") holds the lock " + lock.path()), other.output);
        }
    }

    private record Outcome(int exitCode, String output) {
    }

    private Outcome runOther(String mode) throws IOException, InterruptedException {
        Process p = startOther(mode);
        p.getOutputStream().close();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "other JVM did not exit");
        return new Outcome(p.exitValue(), output);
    }

    /** A real second JVM on our test classpath (surefire's manifest-only jar works as a classpath too). */
    private Process startOther(String mode) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                LockProbeMain.class.getName(), mode, dir.toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
    }
}
