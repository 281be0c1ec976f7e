package dev.glyphsupervisor.metrics;

import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import java.io.Closeable;

/** The running {@code /metrics} endpoint; {@link #close()} stops it. */
public final class MetricsServer implements Closeable {

    private final HTTPServer server;

    MetricsServer(HTTPServer server) {
        this.server = server;
    }

    /** The port it listens on: the one asked for, or the one the system chose for port 0. */
    public int port() {
        return server.getPort();
    }

    /**
     * Serves the kubelet's {@code /livez} and {@code /readyz} ({@link HealthEndpoints}) beside {@code /metrics}, on
     * the same port. The exporter (1.x) has no public way to add a path: its JDK server is a protected field, reached
     * here by reflection. Without these contexts the exporter's catch-all "/" page would answer 200 to any path.
     *
     * @throws IllegalStateException when the exporter has no such field any more (a test catches that)
     */
    public void serveHealth(HealthEndpoints endpoints) {
        com.sun.net.httpserver.HttpServer http;
        try {
            java.lang.reflect.Field field = HTTPServer.class.getDeclaredField("server");
            field.setAccessible(true);
            http = (com.sun.net.httpserver.HttpServer) field.get(server);
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException("cannot add /livez and /readyz to the metrics listener: " + e, e);
        }
        HealthEndpoints.PATHS.forEach(path -> http.createContext(path, endpoints));
    }

    /** Stops listening and ends the exporter's threads. */
    @Override
    public void close() {
        server.close();
    }
}
