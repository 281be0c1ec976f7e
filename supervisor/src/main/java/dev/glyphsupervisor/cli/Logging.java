package dev.glyphsupervisor.cli;

import java.time.Instant;
import java.util.logging.ConsoleHandler;
import java.util.logging.Formatter;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/** One line per log record on stderr (where journald picks it up); library chatter kept to warnings. */
final class Logging {

    /** Held strongly: java.util.logging keeps loggers weakly, and a collected logger forgets its level. */
    private static final Logger QUARTZ = Logger.getLogger("org.quartz");
    private static final Logger OSHI = Logger.getLogger("oshi");

    private Logging() {
    }

    static void configure() {
        LogManager.getLogManager().reset();
        Logger root = Logger.getLogger("");
        ConsoleHandler handler = new ConsoleHandler();
        handler.setFormatter(new Formatter() {
            @Override
            public String format(LogRecord r) {
                StringBuilder sb = new StringBuilder()
                        .append(Instant.ofEpochMilli(r.getMillis())).append(' ')
                        .append(r.getLevel().getName()).append(' ')
                        .append(r.getLoggerName().substring(r.getLoggerName().lastIndexOf('.') + 1)).append(": ")
                        .append(formatMessage(r));
                if (r.getThrown() != null) {
                    // one entry per record: the cause on the same line, not a multi-line trace
                    sb.append(" (").append(r.getThrown()).append(')');
                }
                return sb.append(System.lineSeparator()).toString();
            }
        });
        handler.setLevel(Level.ALL);
        root.addHandler(handler);
        root.setLevel(Level.INFO);
        QUARTZ.setLevel(Level.WARNING);
        OSHI.setLevel(Level.WARNING);
    }
}
