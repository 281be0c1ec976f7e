package dev.glyphsupervisor.core;

import java.util.List;
import java.util.Objects;

/**
 * What one launch wrote to its log, as the daemon read it at the failure: the last lines (bounded by
 * {@link #SCAN_BYTES} and {@link #SCAN_LINES}: more than the audit keeps, so that a cause written above a long
 * traceback is still found), and the kernel's record of an OOM kill since the launch ({@code oomKill}, in words, or
 * null when there was none or it cannot be read).
 */
public record OutputTail(List<String> lines, String oomKill) {

    /** How much of the end of the log is read to find the cause. */
    public static final int SCAN_BYTES = 32 * 1024;
    public static final int SCAN_LINES = 400;

    /** Nothing read (no log, or a test that does not care). */
    public static final OutputTail NONE = new OutputTail(List.of(), null);

    public OutputTail {
        lines = List.copyOf(Objects.requireNonNull(lines, "lines"));
    }

    public OutputTail(List<String> lines) {
        this(lines, null);
    }
}
