package dev.glyphsupervisor.probes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class TcpPortProbeTest {

    @Test
    void openPortIsSuccess() throws IOException {
        try (ServerSocket listening = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            ProbeResult result = new TcpPortProbe("127.0.0.1", listening.getLocalPort(), Duration.ofSeconds(2)).check();
            assertEquals(ProbeStatus.SUCCESS, result.status(), result.detail());
            assertEquals("tcp", result.probe());
        }
    }

    @Test
    void closedPortIsFailure() throws IOException {
        int port = HttpHealthProbeTest.closedPort();
        ProbeResult result = new TcpPortProbe("127.0.0.1", port, Duration.ofSeconds(2)).check();
        assertEquals(ProbeStatus.FAILURE, result.status());
        assertEquals("connection refused: 127.0.0.1:" + port, result.detail());
    }

    @Test
    void badArgumentsAreRejectedAtConstruction() {
        assertThrows(IllegalArgumentException.class, () -> new TcpPortProbe("localhost", 0, Duration.ofSeconds(1)));
        assertThrows(IllegalArgumentException.class, () -> new TcpPortProbe("localhost", 80, Duration.ZERO));
    }
}
