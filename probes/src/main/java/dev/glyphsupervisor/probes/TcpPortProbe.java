package dev.glyphsupervisor.probes;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.Objects;

/**
 * Succeeds when a TCP connection to {@code host:port} is accepted within the timeout. It proves only
 * that something listens (a SIGSTOPped server still completes the handshake from the kernel's
 * backlog), so it is a cheap startup/port check, not a liveness check; use {@link HttpHealthProbe}
 * for that. Each check opens and closes its own socket, so nothing is kept between calls.
 *
 * <p>The host name is resolved on each check and that lookup is not bounded by the timeout; use an
 * address literal ({@code 127.0.0.1}) or a name from {@code /etc/hosts} for a local server.
 */
public final class TcpPortProbe implements Probe {

    private final String host;
    private final int port;
    private final Duration timeout;

    public TcpPortProbe(String host, int port, Duration timeout) {
        this.host = Objects.requireNonNull(host, "host");
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port must be 1..65535, got " + port);
        }
        this.port = port;
        this.timeout = Durations.requirePositive(timeout, "tcp probe timeout");
    }

    @Override
    public String name() {
        return "tcp";
    }

    @Override
    public ProbeResult check() {
        String target = host + ":" + port;
        long start = System.nanoTime();
        // NO_PROXY: a plain socket. The default one goes through the JDK's SOCKS layer, which asks the proxy selector
        // about a "socket://host:port" URI built for every connect (a port probe never goes through a proxy).
        try (Socket socket = new Socket(Proxy.NO_PROXY)) {
            socket.connect(new InetSocketAddress(host, port), (int) timeout.toMillis());
            return ProbeResult.success(name(), "connected to " + target, Durations.since(start));
        } catch (ConnectException e) {
            return ProbeResult.failure(name(), "connection refused: " + target, Durations.since(start));
        } catch (SocketTimeoutException e) {
            return ProbeResult.failure(name(), "no connection to " + target + " within " + Durations.human(timeout),
                    Durations.since(start));
        } catch (IOException e) {
            // Unknown host, no route, network unreachable: the server cannot be reached, which is what we probe.
            return ProbeResult.failure(name(), "cannot connect to " + target + ": " + e, Durations.since(start));
        } catch (RuntimeException e) {
            return ProbeResult.unknown(name(), "probe error: " + e, Durations.since(start));
        }
    }
}
