package dev.glyphsupervisor.systemd;

import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A real AF_UNIX SOCK_DGRAM socket bound at a path, the way systemd's NOTIFY_SOCKET is, held by a python3
 * helper (Java 17 has no datagram Unix sockets, which is the reason for the code under test). The helper
 * prints each datagram as one JSON string per line, since the messages themselves contain newlines, and
 * exits when its stdin closes, so that it cannot outlive a killed test JVM.
 */
public final class DatagramSink implements AutoCloseable {

    static final Duration DEADLINE = Duration.ofSeconds(5);

    private static final String SCRIPT = String.join("\n",
            "import json, select, socket, sys",
            "s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)",
            "s.bind(sys.argv[1])",
            "print('bound', flush=True)",
            "while True:",
            "    readable, _, _ = select.select([s, sys.stdin], [], [])",
            "    if sys.stdin in readable and not sys.stdin.read(1):",
            "        break",
            "    if s in readable:",
            "        print(json.dumps(s.recv(65536).decode('utf-8')), flush=True)");

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path path;
    private final Process process;
    private final BlockingQueue<String> received = new LinkedBlockingQueue<>();
    private final CompletableFuture<Void> bound = new CompletableFuture<>();

    private DatagramSink(Path path) throws IOException {
        this.path = path;
        this.process = new ProcessBuilder("python3", "-c", SCRIPT, path.toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        Thread reader = new Thread(this::read, "datagram-sink");
        reader.setDaemon(true);
        reader.start();
    }

    /** Binds the socket at {@code path}; returns once it is bound. */
    public static DatagramSink bind(Path path) throws Exception {
        DatagramSink sink = new DatagramSink(path);
        try {
            sink.bound.get(DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            sink.close();
            throw e;
        }
        return sink;
    }

    public Map<String, String> env() {
        return Map.of("NOTIFY_SOCKET", path.toString());
    }

    /** The next datagram, failing the test when none comes before the deadline. */
    public String next() throws InterruptedException {
        return next(DEADLINE);
    }

    /** The next datagram, failing the test when none comes {@code within} (e.g. a JVM's whole start-up). */
    public String next(Duration within) throws InterruptedException {
        String message = received.poll(within.toMillis(), TimeUnit.MILLISECONDS);
        assertNotNull(message, "no datagram within " + within);
        return message;
    }

    /** Every datagram before {@code marker}, which must come before the deadline. */
    public List<String> receivedUntil(String marker) throws InterruptedException {
        List<String> before = new ArrayList<>();
        for (String message = next(); !message.equals(marker); message = next()) {
            before.add(message);
        }
        return before;
    }

    private void read() {
        try (BufferedReader lines = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String first = lines.readLine();
            if (!"bound".equals(first)) {
                throw new IOException("python3 helper did not bind " + path + " (said: " + first + ")");
            }
            bound.complete(null);
            for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                received.add(JSON.readValue(line, String.class));
            }
        } catch (IOException e) {
            // Before binding this fails bind(); after it, the helper was closed and there is nothing to read.
            bound.completeExceptionally(e);
        }
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        process.waitFor(DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
    }
}
