package dev.glyphsupervisor.lock;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Run in a separate JVM by {@link StateDirLockTest}, because a lock held by another process is the case
 * that matters. {@code try DIR}: acquire, print the outcome, release, exit 0 (acquired), 3 (held) or 1.
 * {@code hold DIR}: acquire, print "ACQUIRED pid", and hold until stdin is closed.
 */
public final class LockProbeMain {

    private LockProbeMain() {
    }

    public static void main(String[] args) throws IOException {
        Path stateDir = Path.of(args[1]);
        try {
            StateDirLock lock = StateDirLock.acquire(stateDir);
            System.out.println("ACQUIRED " + ProcessHandle.current().pid());
            System.out.flush();
            if (args[0].equals("hold")) {
                while (System.in.read() != -1) {
                    // Hold the lock until the test closes our stdin.
                }
            }
            lock.close();
        } catch (LockHeldException e) {
            System.out.println("HELD " + e.holderPid() + " " + e.getMessage());
            System.exit(3);
        } catch (IOException e) {
            System.out.println("ERROR " + e.getMessage());
            System.exit(1);
        }
    }
}
