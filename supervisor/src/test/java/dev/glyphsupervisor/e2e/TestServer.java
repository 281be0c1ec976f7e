package dev.glyphsupervisor.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;

/** The uvicorn-like forking test server (model-runtime/control's test resource) and helpers around it. */
public final class TestServer {

    /** The script lives beside the code that kills it; "basedir" is this module's (set by surefire and the bench profile). */
    public static final Path SCRIPT = Path.of(System.getProperty("basedir", "."), "..", "model-runtime", "control", "src", "test",
            "resources", "forking_server.py").toAbsolutePath().normalize();

    private TestServer() {
    }

    public static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** YAML flow list for the server's command line. */
    public static String command(int port, int workers, double startupDelay, Path control) {
        if (!Files.exists(SCRIPT)) {
            throw new IllegalStateException("test server not found at " + SCRIPT);
        }
        return "[\"python3\", \"" + SCRIPT + "\", \"--port\", \"" + port + "\", \"--workers\", \"" + workers
                + "\", \"--startup-delay\", \"" + startupDelay + "\", \"--control\", \"" + control + "\"]";
    }

    public static void control(Path file, String mode) {
        try {
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.writeString(tmp, mode + "\n");
            Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
