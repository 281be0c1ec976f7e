package dev.glyphsupervisor.runtime;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ProtocolFamily;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.time.Duration;
import java.util.Optional;
import oshi.SystemInfo;
import oshi.software.os.InternetProtocolStats;
import oshi.software.os.InternetProtocolStats.IPConnection;
import oshi.software.os.InternetProtocolStats.TcpState;

/** Whether the server's TCP port is free for the next launch, and if not, who holds it. */
public final class PortCheck {

    private PortCheck() {
    }

    /**
     * True if nothing listens on the port: we can bind {@code 0.0.0.0:port}, and {@code [::]:port} when the
     * host has IPv6. SO_REUSEADDR lets the bind succeed over connections lingering in TIME_WAIT, which do not
     * stop the server from binding either; only a listener makes it fail. A port we may not bind at all
     * (below 1024 without the capability) reads as taken.
     */
    public static boolean isFree(int port) {
        if (!canBind(StandardProtocolFamily.INET, "0.0.0.0", port)) {
            return false;
        }
        return !Ipv6.AVAILABLE || canBind(StandardProtocolFamily.INET6, "::", port);
    }

    /**
     * Who listens on the port, from the kernel's socket table through OSHI. The pid is -1 when the socket
     * belongs to a process whose file descriptors we may not read.
     */
    public static Optional<PortHolder> holder(int port) {
        for (IPConnection c : Oshi.STATS.getConnections()) {
            if (c.getState() == TcpState.LISTEN && c.getLocalPort() == port && c.getType().startsWith("tcp")) {
                long pid = c.getowningProcessId();
                return Optional.of(new PortHolder(port, pid, pid > 0 ? describe(pid) : ""));
            }
        }
        return Optional.empty();
    }

    /**
     * Waits until {@link #isFree} holds. Empty when the port became free; otherwise the holder at the end
     * of the wait (pid -1 if the kernel table no longer showed one by then).
     */
    public static Optional<PortHolder> awaitFree(int port, Duration timeout) {
        if (Poll.until(() -> isFree(port), free -> free, timeout)) {
            return Optional.empty();
        }
        return Optional.of(holder(port).orElse(new PortHolder(port, -1, "")));
    }

    private static boolean canBind(ProtocolFamily family, String wildcard, int port) {
        try (ServerSocketChannel channel = ServerSocketChannel.open(family)) {
            channel.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            channel.bind(new InetSocketAddress(InetAddress.getByName(wildcard), port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static String describe(long pid) {
        return ProcessTable.commandLine(pid)
                .or(() -> ProcessTable.get(pid).map(ProcInfo::comm))
                .orElse("");
    }

    /** Whether this host can open IPv6 sockets at all (a kernel booted with ipv6.disable=1 cannot). */
    private static final class Ipv6 {
        static final boolean AVAILABLE = probe();

        private static boolean probe() {
            try (ServerSocketChannel ignored = ServerSocketChannel.open(StandardProtocolFamily.INET6)) {
                return true;
            } catch (IOException | UnsupportedOperationException e) {
                return false;
            }
        }
    }

    /** OSHI's platform lookup is not free; one instance serves every call. */
    private static final class Oshi {
        static final InternetProtocolStats STATS = new SystemInfo().getOperatingSystem().getInternetProtocolStats();
    }
}
