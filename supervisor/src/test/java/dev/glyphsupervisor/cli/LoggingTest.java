package dev.glyphsupervisor.cli;

import org.junit.jupiter.api.Test;

import java.util.logging.Level;
import java.util.logging.LogRecord;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LoggingTest {

    private static LogRecord record(Level level, String message, Throwable thrown) {
        LogRecord r = new LogRecord(level, message);
        r.setLoggerName("dev.glyphsupervisor.daemon.Supervisor");
        r.setThrown(thrown);
        return r;
    }

    @Test
    void underJournaldEachLineCarriesItsPriority() {
        assertEquals("<6>INFO Supervisor: supervising\n", Logging.formatter(true).format(record(Level.INFO, "supervising", null))
                .replace(System.lineSeparator(), "\n"));
        assertTrue(Logging.formatter(true).format(record(Level.WARNING, "w", null)).startsWith("<4>WARNING"));
        assertTrue(Logging.formatter(true).format(record(Level.SEVERE, "e", null)).startsWith("<3>SEVERE"));
        assertTrue(Logging.formatter(true).format(record(Level.FINE, "d", null)).startsWith("<7>"));
    }

    @Test
    void aRecordWithAStackTraceOrNewlinesStaysOneEntry() {
        String line = Logging.formatter(true).format(record(Level.SEVERE, "failed\nto handle", new IllegalStateException("boom\nagain")));
        assertEquals(1, line.strip().lines().count(), line);
        assertTrue(line.contains("IllegalStateException: boom again"), line);
    }

    @Test
    void outsideJournaldLinesStartWithATimestamp() {
        String line = Logging.formatter(false).format(record(Level.INFO, "x", null));
        assertTrue(line.matches("\\d{4}-\\d\\d-\\d\\dT.*Z INFO Supervisor: x\\R"), line);
    }
}
