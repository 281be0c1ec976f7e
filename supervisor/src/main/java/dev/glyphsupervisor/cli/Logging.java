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

    /**
     * Under systemd (JOURNAL_STREAM is set when stderr goes to the journal) each line starts with its
     * sd-daemon priority, {@code <3>} error, {@code <4>} warning, {@code <6>} info, {@code <7>} debug,
     * so journald files it at the right level; the timestamp is then journald's own.
     */
    static void configure() {
        configure(underJournal());
    }

    /** systemd sets JOURNAL_STREAM when stderr goes to the journal (systemd.exec(5)). */
    static boolean underJournal() {
        return System.getenv("JOURNAL_STREAM") != null;
    }

    static String priority(Level level) {
        int v = level.intValue();
        if (v >= Level.SEVERE.intValue()) {
            return "<3>";
        }
        if (v >= Level.WARNING.intValue()) {
            return "<4>";
        }
        return v >= Level.INFO.intValue() ? "<6>" : "<7>";
    }

    static void configure(boolean journal) {
        LogManager.getLogManager().reset();
        Logger root = Logger.getLogger("");
        ConsoleHandler handler = new ConsoleHandler();
        handler.setFormatter(formatter(journal));
        handler.setLevel(Level.ALL);
        root.addHandler(handler);
        root.setLevel(Level.INFO);
        QUARTZ.setLevel(Level.WARNING);
        OSHI.setLevel(Level.WARNING);
        // A thread that dies of an exception would print a multi-line trace at the journal's default priority
        // (info); as one logged line it is filed as the error it is.
        Thread.setDefaultUncaughtExceptionHandler((thread, e) ->
                Logger.getLogger("dev.glyphsupervisor.daemon").log(Level.SEVERE, "thread " + thread.getName() + " died", e));
    }

    static Formatter formatter(boolean journal) {
        return new Formatter() {
            @Override
            public String format(LogRecord r) {
                StringBuilder sb = new StringBuilder();
                if (journal) {
                    sb.append(priority(r.getLevel()));
                } else {
                    sb.append(Instant.ofEpochMilli(r.getMillis())).append(' ');
                }
                sb.append(r.getLevel().getName()).append(' ')
                        .append(r.getLoggerName().substring(r.getLoggerName().lastIndexOf('.') + 1)).append(": ")
                        .append(formatMessage(r));
                if (r.getThrown() != null) {
                    // one entry per record: the cause on the same line, not a multi-line trace
                    sb.append(" (").append(r.getThrown()).append(')');
                }
                // One record, one line: a message with newlines would become several journal entries.
                return sb.toString().replace('\n', ' ') + System.lineSeparator();
            }
        };
    }
}
