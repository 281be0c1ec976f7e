package dev.glyphsupervisor.control;

import com.fasterxml.jackson.databind.JsonNode;
import dev.glyphsupervisor.json.Json;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

import jdk.net.ExtendedSocketOptions;
import jdk.net.UnixDomainPrincipal;

/**
 * The daemon's end of the control channel: a Unix domain socket with explicit permission bits (and
 * group), one request per connection, bounded in size and in time, the caller named by SO_PEERCRED.
 * There is no TCP listener for control.
 */
public final class ControlServer implements Closeable {

    private static final Logger LOG = Logger.getLogger(ControlServer.class.getName());
    /** A client that connects and says nothing is dropped after this. */
    static final long READ_TIMEOUT_MS = 5_000;
    /** Handlers may wait (restart waits for healthy); a few callers at once is plenty. */
    private static final int HANDLERS = 4;

    /**
     * What the daemon does with a request; {@code user} is the caller's user name from the kernel. An
     * IllegalArgumentException is answered as the request's error.
     */
    @FunctionalInterface
    public interface Handler {
        ControlReply handle(ControlRequest<?> request, String user) throws Exception;
    }

    private final Path path;
    private final ServerSocketChannel server;
    private final Handler handler;
    /** At most {@link #HANDLERS} at once; an idle one ends after a few seconds (a daemon mostly waits). */
    private final ExecutorService handlers = idleEnding(HANDLERS, "glyph-control");
    private final ExecutorService readers = new java.util.concurrent.ThreadPoolExecutor(0, Integer.MAX_VALUE, 5,
            java.util.concurrent.TimeUnit.SECONDS, new java.util.concurrent.SynchronousQueue<>(),
            r -> daemonThread(r, "glyph-control-read"));
    private final Thread acceptor;
    private volatile boolean closed;

    private ControlServer(Path path, ServerSocketChannel server, Handler handler) {
        this.path = path;
        this.server = server;
        this.handler = handler;
        this.acceptor = daemonThread(this::acceptLoop, "glyph-control-accept");
    }

    /**
     * Binds the socket. The caller holds the state-dir lock, so a socket file already there is a stale one
     * from a daemon that died: it is removed first. Anything else at the path (a file the config named by
     * mistake) is left alone and refused.
     */
    public static ControlServer start(Path path, int mode, Optional<String> group, Handler handler) throws IOException {
        Files.createDirectories(path.getParent());
        if (Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            if (!Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).isOther()) {
                throw new IOException(path + " exists and is not a socket; not removing it");
            }
            Files.delete(path);
        }
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            server.bind(UnixDomainSocketAddress.of(path));
            Files.setPosixFilePermissions(path, permissions(mode));
            if (group.isPresent()) {
                GroupPrincipal g = path.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByGroupName(group.get());
                Files.getFileAttributeView(path, PosixFileAttributeView.class).setGroup(g);
            }
        } catch (IOException | RuntimeException e) {
            server.close();
            Files.deleteIfExists(path);
            throw e;
        }
        ControlServer s = new ControlServer(path, server, handler);
        s.acceptor.start();
        return s;
    }

    public Path path() {
        return path;
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
            Files.deleteIfExists(path);
        } catch (IOException e) {
            LOG.fine(() -> "closing the control socket: " + e);
        }
        handlers.shutdownNow();
        readers.shutdownNow();
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                SocketChannel client = server.accept();
                handlers.execute(() -> serve(client));
            } catch (IOException e) {
                if (!closed) {
                    LOG.log(Level.WARNING, "control socket accept failed: " + e.getMessage());
                }
            } catch (java.util.concurrent.RejectedExecutionException e) {
                return;
            }
        }
    }

    private void serve(SocketChannel client) {
        try (client) {
            UnixDomainPrincipal peer = client.getOption(ExtendedSocketOptions.SO_PEERCRED);
            String user = peer == null ? "unknown" : peer.user().getName();
            Map<String, Object> response;
            try {
                String line = readLine(client);
                if (line == null) {
                    // Connected and closed without a word: a port scan, a health check of the socket itself, a
                    // client killed before it asked. Nobody is there to answer, and nothing went wrong here.
                    LOG.fine(() -> "control client (" + user + ") closed without a request");
                    return;
                }
                JsonNode request = Json.read(line);
                int version = request.path("v").asInt(-1);
                if (version != ControlProtocol.VERSION) {
                    response = error("protocol version " + version + " is not supported (this daemon speaks "
                            + ControlProtocol.VERSION + ")");
                } else {
                    response = new LinkedHashMap<>();
                    response.put("v", ControlProtocol.VERSION);
                    response.put("ok", true);
                    response.putAll(ControlJson.write(handler.handle(ControlJson.request(request), user)));
                }
            } catch (ControlException e) {
                response = error(e.getMessage());
                response.put("kind", e.kind().wire());
            } catch (IllegalArgumentException | IOException e) {
                response = error(e.getMessage());
            }
            byte[] line = (Json.writeString(response) + "\n").getBytes(StandardCharsets.UTF_8);
            ByteBuffer out = ByteBuffer.wrap(line);
            try {
                while (out.hasRemaining()) {
                    client.write(out);
                }
            } catch (IOException gone) {
                // The client went away before its answer (broken pipe, reset): its loss, not the daemon's problem.
                LOG.fine(() -> "control client (" + user + ") left before the answer: " + gone.getMessage());
            }
        } catch (Exception e) {
            LOG.log(Level.WARNING, "control request failed: " + e);
        }
    }

    /**
     * One line, at most MAX_REQUEST_BYTES, within READ_TIMEOUT_MS (a blocking channel has no read timeout); null
     * when the client closed without sending anything.
     */
    private String readLine(SocketChannel client) throws IOException {
        Future<String> read = readers.submit(() -> {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            ByteBuffer buffer = ByteBuffer.allocate(4096);
            while (true) {
                buffer.clear();
                int n = client.read(buffer);
                if (n < 0) {
                    // End of stream: what came before the close is the request; nothing at all is no request.
                    return line.size() == 0 ? null : line.toString(StandardCharsets.UTF_8);
                }
                for (int i = 0; i < n; i++) {
                    byte b = buffer.get(i);
                    if (b == '\n') {
                        return line.toString(StandardCharsets.UTF_8);
                    }
                    line.write(b);
                }
                if (line.size() > ControlProtocol.MAX_REQUEST_BYTES) {
                    throw new IllegalArgumentException("request larger than " + ControlProtocol.MAX_REQUEST_BYTES + " bytes");
                }
            }
        });
        try {
            return read.get(READ_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            read.cancel(true);
            throw new IOException("no request within " + READ_TIMEOUT_MS + " ms");
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof IllegalArgumentException tooLarge) {
                throw tooLarge;
            }
            throw new IOException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        }
    }

    private static Map<String, Object> error(String message) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("v", ControlProtocol.VERSION);
        m.put("ok", false);
        m.put("error", message);
        return m;
    }

    static Set<PosixFilePermission> permissions(int mode) {
        Set<PosixFilePermission> set = EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] order = {
            PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_EXECUTE,
            PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE,
            PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE};
        for (int i = 0; i < 9; i++) {
            if ((mode & (1 << (8 - i))) != 0) {
                set.add(order[i]);
            }
        }
        return set;
    }

    private static ExecutorService idleEnding(int threads, String name) {
        java.util.concurrent.ThreadPoolExecutor pool = new java.util.concurrent.ThreadPoolExecutor(threads, threads,
                5, java.util.concurrent.TimeUnit.SECONDS, new java.util.concurrent.LinkedBlockingQueue<>(),
                r -> daemonThread(r, name));
        pool.allowCoreThreadTimeOut(true);
        return pool;
    }

    private static Thread daemonThread(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }
}
