package dev.glyphsupervisor.reference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ServerOptionsTest {

    @Test
    void defaults() throws Exception {
        ServerOptions options = ServerOptions.parse();
        assertEquals("127.0.0.1", options.host());
        assertEquals(8000, options.port());
        assertEquals(Optional.empty(), options.cacheDir());
        assertEquals(RequestHistory.OFF, options.historyLimit());
        assertEquals(Runtime.getRuntime().availableProcessors(), options.threads());
        assertEquals(Math.max(1, Math.min(256, Runtime.getRuntime().availableProcessors())), options.engineThreads());
        assertTrue(options.engineThreads() >= 1);
        assertEquals(256, options.maxInputs());
        assertEquals(8192, options.maxInputChars());
        assertEquals(64, options.maxWaiting());
        assertFalse(options.faultEndpoints());
        assertFalse(options.help());
    }

    @Test
    void flagsTakeSeparateOrEqualsValues() throws Exception {
        ServerOptions options = ServerOptions.parse("--port", "9100", "--host=0.0.0.0", "--cache-dir", "/var/tmp/c",
                "--threads=3", "--max-inputs", "4", "--max-input-chars=50", "--history", "unbounded");
        assertEquals(9100, options.port());
        assertEquals("0.0.0.0", options.host());
        assertEquals(Optional.of(Path.of("/var/tmp/c")), options.cacheDir());
        assertEquals(3, options.threads());
        assertEquals(ServerOptions.defaultEngineThreads(), options.engineThreads(), "--threads is not --engine-threads");
        assertEquals(4, options.maxInputs());
        assertEquals(50, options.maxInputChars());
        assertEquals(RequestHistory.UNBOUNDED, options.historyLimit());
    }

    @Test
    void faultEndpointsAndTheQueueBound() throws Exception {
        ServerOptions options = ServerOptions.parse("--fault-endpoints", "--port", "7990", "--max-waiting=3");
        assertTrue(options.faultEndpoints());
        assertEquals(7990, options.port());
        assertEquals(3, options.maxWaiting());
        assertTrue(ServerOptions.parse("--port", "1", "--fault-endpoints").faultEndpoints());
        assertTrue(ServerOptions.USAGE.contains("--fault-endpoints"), ServerOptions.USAGE);
        assertTrue(ServerOptions.USAGE.contains("/admin/fault/hang"), ServerOptions.USAGE);
        assertTrue(ServerOptions.USAGE.contains("GET /metrics"), ServerOptions.USAGE);
    }

    @Test
    void engineThreads() throws Exception {
        assertEquals(1, ServerOptions.parse("--engine-threads", "1").engineThreads());
        assertEquals(3, ServerOptions.parse("--engine-threads=3", "--threads", "8").engineThreads());
        assertEquals(256, ServerOptions.parse("--engine-threads", "256").engineThreads());
        assertEquals(8, ServerOptions.parse("--engine-threads", "3", "--threads", "8").threads());
        assertTrue(ServerOptions.USAGE.contains("--engine-threads N"), ServerOptions.USAGE);
    }

    @Test
    void historyModes() throws Exception {
        assertEquals(RequestHistory.OFF, ServerOptions.parse("--history", "off").historyLimit());
        assertEquals(25, ServerOptions.parse("--history", "25").historyLimit());
        assertEquals(25, ServerOptions.parse("--history-limit", "25").historyLimit());
    }

    @Test
    void helpWins() throws Exception {
        assertTrue(ServerOptions.parse("--port", "1", "--help").help());
    }

    @Test
    void errorsNameTheFlagAndTheValue() {
        assertError("unknown flag --model", "--model", "x");
        assertError("--port: expected an integer from 0 to 65535, got 'http'", "--port", "http");
        assertError("--port: expected an integer from 0 to 65535, got '70000'", "--port", "70000");
        assertError("--port needs a value", "--port");
        assertError("--port needs a value", "--port", "--host", "h");
        assertError("--threads: expected an integer from 1 to 1024, got '0'", "--threads", "0");
        assertError("--history-limit: expected an integer from 1 to 2147483647, got '0'", "--history-limit", "0");
        assertError("--history: expected off, unbounded or a positive count, got 'forever'", "--history", "forever");
        assertError("--history-limit: history already set by --history; give one of --history or --history-limit, once",
                "--history", "unbounded", "--history-limit", "5");
        assertError("--cache-dir needs a value", "--cache-dir=");
        assertError("unexpected argument 'serve' (flags start with --)", "serve");
        assertError("--fault-endpoints takes no value, got 'yes'", "--fault-endpoints=yes");
        assertError("--fault-endpoints takes no value, got 'on'", "--fault-endpoints", "on");
        assertError("--max-waiting: expected an integer from 1 to 100000, got '0'", "--max-waiting", "0");
        assertError("--max-waiting needs a value", "--max-waiting");
        assertError("--engine-threads: expected an integer from 1 to 256, got '0'", "--engine-threads", "0");
        assertError("--engine-threads: expected an integer from 1 to 256, got '257'", "--engine-threads", "257");
        assertError("--engine-threads: expected an integer from 1 to 256, got 'many'", "--engine-threads=many");
        assertError("--engine-threads needs a value", "--engine-threads");
    }

    private static void assertError(String message, String... args) {
        UsageException e = assertThrows(UsageException.class, () -> ServerOptions.parse(args));
        assertEquals(message, e.getMessage());
    }
}
