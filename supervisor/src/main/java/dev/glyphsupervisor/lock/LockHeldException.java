package dev.glyphsupervisor.lock;

import java.nio.file.Path;

/** Another supervisor (another process, or this one) already holds the state directory's lock. */
public final class LockHeldException extends Exception {

    private final long holderPid;
    private final Path lockFile;

    /** @param holderPid the pid written in the lock file, or -1 when it could not be read */
    LockHeldException(long holderPid, Path lockFile) {
        super("another glyph-supervisor (pid " + (holderPid > 0 ? Long.toString(holderPid) : "unknown")
                + ") holds the lock " + lockFile);
        this.holderPid = holderPid;
        this.lockFile = lockFile;
    }

    /** The holder's pid as written in the lock file, or -1 when it was empty or unreadable. */
    public long holderPid() {
        return holderPid;
    }

    public Path lockFile() {
        return lockFile;
    }
}
