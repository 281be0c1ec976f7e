package dev.glyphsupervisor.e2e;

import dev.glyphsupervisor.lock.LockProbeMain;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Another process holding a state directory's lock, as a running supervisor does. It must be another process:
 * the lock is a POSIX record lock, which this JVM would drop the moment anything in it (a test reading the
 * lock file, say) closed a channel on that file.
 */
final class LockHolder implements AutoCloseable {

    private final Process process;
    private final long pid;

    private LockHolder(Process process, long pid) {
        this.process = process;
        this.pid = pid;
    }

    /** Takes the lock in another JVM (LockProbeMain hold) and returns once it is held. */
    static LockHolder start(Path stateDir) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-Xshare:auto", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                LockProbeMain.class.getName(), "hold", stateDir.toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String line = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)).readLine();
        if (line == null || !line.startsWith("ACQUIRED ")) {
            p.destroyForcibly();
            throw new IllegalStateException("the lock holder did not take the lock in " + stateDir + ": " + line);
        }
        return new LockHolder(p, Long.parseLong(line.substring("ACQUIRED ".length()).strip()));
    }

    long pid() {
        return pid;
    }

    /** Closing its stdin makes it release the lock and exit. */
    @Override
    public void close() throws Exception {
        process.getOutputStream().close();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
