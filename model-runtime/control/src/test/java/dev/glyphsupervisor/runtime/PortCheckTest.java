package dev.glyphsupervisor.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class PortCheckTest {

    @Test
    void aFreePortIsFree() throws Exception {
        int port = Spawner.freePort();
        assertTrue(PortCheck.isFree(port));
        assertEquals(Optional.empty(), PortCheck.holder(port));
        assertEquals(Optional.empty(), PortCheck.awaitFree(port, Duration.ofSeconds(1)));
    }

    @Test
    void aListenerOnLoopbackHoldsThePortAndIsNamed() throws Exception {
        try (ServerSocket held = new ServerSocket()) {
            held.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
            int port = held.getLocalPort();
            assertFalse(PortCheck.isFree(port));
            PortHolder holder = PortCheck.holder(port).orElseThrow();
            assertEquals(port, holder.port());
            assertEquals(ProcessHandle.current().pid(), holder.pid());
            assertFalse(holder.command().isEmpty());
        }
    }

    @Test
    void anIpv6OnlyListenerHoldsThePort() throws Exception {
        ServerSocket held;
        try {
            held = new ServerSocket();
            held.bind(new InetSocketAddress(InetAddress.getByName("::1"), 0));
        } catch (IOException e) {
            assumeTrue(false, "no IPv6 loopback here: " + e);
            return;
        }
        try (held) {
            assertFalse(PortCheck.isFree(held.getLocalPort()));
        }
    }

    @Test
    void awaitFreeTimesOutWithTheHolder() throws Exception {
        try (ServerSocket held = new ServerSocket(0)) {
            Duration timeout = Duration.ofMillis(200);
            long start = System.nanoTime();
            PortHolder holder = PortCheck.awaitFree(held.getLocalPort(), timeout).orElseThrow();
            assertTrue(Duration.ofNanos(System.nanoTime() - start).compareTo(timeout) >= 0);
            assertEquals(ProcessHandle.current().pid(), holder.pid());
        }
    }

    @Test
    void awaitFreeReturnsOnceTheHolderLetsGo() throws Exception {
        ServerSocket held = new ServerSocket(0);
        int port = held.getLocalPort();
        Thread closer = new Thread(() -> {
            try {
                Thread.sleep(100); // the release being waited for, not a wait for a condition
                held.close();
            } catch (InterruptedException | IOException e) {
                throw new IllegalStateException(e);
            }
        });
        closer.start();
        try {
            assertEquals(Optional.empty(), PortCheck.awaitFree(port, Duration.ofSeconds(5)));
        } finally {
            closer.join();
            held.close();
        }
    }
}
