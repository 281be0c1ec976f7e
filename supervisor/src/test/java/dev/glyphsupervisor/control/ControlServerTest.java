package dev.glyphsupervisor.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The control socket's own logging: a client that goes away is the client's business, not a daemon warning. */
class ControlServerTest {

    private static final Logger LOG = Logger.getLogger(ControlServer.class.getName());

    @TempDir
    Path dir;

    private final List<LogRecord> records = new CopyOnWriteArrayList<>();
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord r) {
            records.add(r);
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };
    private Level levelBefore;
    private ControlServer server;

    @BeforeEach
    void listen() throws Exception {
        levelBefore = LOG.getLevel();
        LOG.setLevel(Level.ALL);
        LOG.addHandler(capture);
        server = ControlServer.start(dir.resolve("control.sock"), 0600, Optional.empty(),
                (request, user) -> new StopReply(request.command(), "tester"));
    }

    @AfterEach
    void close() {
        server.close();
        LOG.removeHandler(capture);
        LOG.setLevel(levelBefore);
    }

    private SocketChannel connect() throws Exception {
        SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX);
        c.connect(UnixDomainSocketAddress.of(server.path()));
        return c;
    }

    private LogRecord awaitRecord(String containing) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            for (LogRecord r : records) {
                if (r.getMessage() != null && r.getMessage().contains(containing)) {
                    return r;
                }
            }
            Thread.sleep(10);
        }
        throw new AssertionError("no log record with '" + containing + "' within 10 s; got " + messages());
    }

    private List<String> messages() {
        return records.stream().map(r -> r.getLevel() + " " + r.getMessage()).toList();
    }

    @Test
    void aClientThatClosesWithoutARequestIsNoWarning() throws Exception {
        connect().close();

        assertEquals(Level.FINE, awaitRecord("closed without a request").getLevel());
        assertTrue(records.stream().noneMatch(r -> r.getLevel().intValue() >= Level.WARNING.intValue()), messages().toString());
    }

    @Test
    void aRequestIsStillAnswered() throws Exception {
        try (SocketChannel c = connect()) {
            c.write(ByteBuffer.wrap("{\"v\":1,\"cmd\":\"status\"}\n".getBytes(StandardCharsets.UTF_8)));
            ByteBuffer in = ByteBuffer.allocate(4096);
            while (c.read(in) >= 0) {
                // to the end of the answer
            }
            assertEquals("{\"v\":1,\"ok\":true,\"state\":\"status\",\"paused_by\":\"tester\"}\n", new String(in.array(), 0, in.position(), StandardCharsets.UTF_8));
        }
    }
}
