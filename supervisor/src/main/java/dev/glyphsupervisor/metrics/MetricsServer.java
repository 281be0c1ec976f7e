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

    /** Stops listening and ends the exporter's threads. */
    @Override
    public void close() {
        server.close();
    }
}
