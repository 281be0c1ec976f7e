package dev.glyphsupervisor.runtime;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A pidfd reports exits of processes that are not ours to wait for, zombies included, and nothing before. */
class PidFdTest {

    @Test
    void readableWhenTheProcessExitsNotBefore() throws Exception {
        Process sleeper = new ProcessBuilder("sleep", "60").start();
        try (PidFd fd = PidFd.open(sleeper.pid()).orElseThrow(() -> new AssertionError("pidfd_open is not offered here"))) {
            assertFalse(fd.awaitExit(200), "a living process is not reported as exited");
            Signals.kill(sleeper.pid(), Signals.SIGKILL);
            assertTrue(fd.awaitExit(10_000), "the exit is reported");
        } finally {
            sleeper.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** A grandchild whose parent never reaps it stays a zombie; its exit is reported all the same. */
    @Test
    void anUnreapedZombieCountsAsExited() throws Exception {
        // sh starts a short sleep, then becomes a long sleep, which never waits for its child.
        Process parent = new ProcessBuilder("sh", "-c", "sleep 0.3 & exec sleep 60").start();
        try {
            Path children = Path.of("/proc", Long.toString(parent.pid()), "task", Long.toString(parent.pid()), "children");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            String child = "";
            while (child.isEmpty() && System.nanoTime() < deadline) {
                child = Files.readString(children).strip();
                Thread.onSpinWait();
            }
            assertFalse(child.isEmpty(), "the short sleep appeared under its parent");
            long pid = Long.parseLong(child.split(" ")[0]);
            try (PidFd fd = PidFd.open(pid).orElseThrow()) {
                assertTrue(fd.awaitExit(10_000), "the exit is reported");
            }
            assertTrue(ProcessTable.get(pid).map(ProcInfo::isZombie).orElse(false), "it is an unreaped zombie");
        } finally {
            parent.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void noSuchProcessIsEmpty() {
        assertEquals(java.util.Optional.empty(), PidFd.open(Integer.MAX_VALUE - 1).map(f -> "open"));
    }
}
