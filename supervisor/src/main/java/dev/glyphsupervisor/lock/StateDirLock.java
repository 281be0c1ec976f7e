package dev.glyphsupervisor.lock;

import dev.glyphsupervisor.io.IoMessages;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Makes sure only one supervisor runs per state directory: an exclusive {@link FileChannel#tryLock()} on
 * {@code <stateDir>/supervisor.lock}, held by one channel that stays open for the daemon's whole life.
 * The kernel drops the lock when the process dies, so a crash never leaves a stale lock behind.
 *
 * <p>The lock is a POSIX record lock, which belongs to the process, not to the channel: closing
 * <em>any</em> channel on the file in this JVM drops it. Hence: the pid is written through the locked
 * channel; this JVM never opens a second channel on a file it holds (acquiring a lock this JVM already
 * holds is refused before opening the file); and the file is never deleted, because a second daemon
 * could otherwise lock a fresh file of the same name while the first still holds the old one.
 */
public final class StateDirLock implements Closeable {

    static final String FILE_NAME = "supervisor.lock";

    /** Lock files held by this JVM, by real path; see the class comment for why we must know them. */
    private static final Set<Path> HELD = new HashSet<>();
    /**
     * Channels opened on a file that other code in this JVM had locked. Closing them would drop that
     * lock, so they are kept open (and reachable, so no cleaner closes them) for the JVM's life.
     */
    private static final List<FileChannel> MUST_STAY_OPEN = new ArrayList<>();

    private final Path lockFile;
    private final Path key;
    private final FileChannel channel;
    private final FileLock lock;
    private boolean closed;

    private StateDirLock(Path lockFile, Path key, FileChannel channel, FileLock lock) {
        this.lockFile = lockFile;
        this.key = key;
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Creates {@code stateDir} if missing, then takes its lock without waiting and writes this process's
     * pid into the lock file.
     *
     * @throws LockHeldException when another supervisor (or this JVM) holds the lock
     * @throws IOException       naming the path when the directory or lock file cannot be created or written
     */
    public static StateDirLock acquire(Path stateDir) throws LockHeldException, IOException {
        if (Files.exists(stateDir) && !Files.isDirectory(stateDir)) {
            throw new IOException("state directory " + stateDir + " exists but is not a directory");
        }
        try {
            Files.createDirectories(stateDir);
        } catch (IOException e) {
            throw new IOException("cannot create state directory " + stateDir + ": " + IoMessages.reason(e), e);
        }
        Path lockFile = stateDir.resolve(FILE_NAME);
        synchronized (HELD) {
            Path key = stateDir.toRealPath().resolve(FILE_NAME);
            if (HELD.contains(key)) {
                throw new LockHeldException(ProcessHandle.current().pid(), lockFile);
            }
            FileChannel channel = openChannel(lockFile);
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException e) {
                // Someone else in this JVM locked the file without going through this class.
                MUST_STAY_OPEN.add(channel);
                throw new LockHeldException(ProcessHandle.current().pid(), lockFile);
            } catch (IOException e) {
                channel.close();
                throw new IOException("cannot lock " + lockFile + ": " + IoMessages.reason(e), e);
            }
            if (lock == null) {
                // Another process holds it. We hold no lock on this file, so closing our channel is safe.
                long holder = readPid(channel);
                channel.close();
                throw new LockHeldException(holder, lockFile);
            }
            try {
                writePid(channel);
            } catch (IOException e) {
                channel.close();
                throw new IOException("cannot write the pid into " + lockFile + ": " + IoMessages.reason(e), e);
            }
            HELD.add(key);
            return new StateDirLock(lockFile, key, channel, lock);
        }
    }

    /** The lock file, {@code <stateDir>/supervisor.lock}. */
    public Path path() {
        return lockFile;
    }

    /** Releases the lock; the file stays (see the class comment). Calling it again does nothing. */
    @Override
    public void close() {
        synchronized (HELD) {
            if (closed) {
                return;
            }
            closed = true;
            HELD.remove(key);
            try {
                // Closing the channel releases the lock too; releasing first keeps the order explicit.
                try {
                    lock.release();
                } finally {
                    channel.close();
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot release the lock " + lockFile + ": " + IoMessages.reason(e), e);
            }
        }
    }

    private static FileChannel openChannel(Path lockFile) throws IOException {
        if (Files.isDirectory(lockFile, LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException("lock file " + lockFile + " is a directory");
        }
        try {
            return FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new IOException("cannot open lock file " + lockFile + ": " + IoMessages.reason(e), e);
        }
    }

    private static void writePid(FileChannel channel) throws IOException {
        ByteBuffer pid = ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII));
        channel.truncate(0);
        while (pid.hasRemaining()) {
            channel.write(pid, pid.position());
        }
    }

    /** The pid the holder wrote, or -1 when the file is empty (the holder is between lock and write) or odd. */
    private static long readPid(FileChannel channel) {
        try {
            ByteBuffer buf = ByteBuffer.allocate(32);
            while (buf.hasRemaining() && channel.read(buf, buf.position()) > 0) {
                // Keep reading: a pid line is a few bytes, so this ends at once.
            }
            String text = new String(buf.array(), 0, buf.position(), StandardCharsets.US_ASCII).trim();
            return text.matches("[0-9]{1,18}") ? Long.parseLong(text) : -1;
        } catch (IOException e) {
            return -1;
        }
    }
}
