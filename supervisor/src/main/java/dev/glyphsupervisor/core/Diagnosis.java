package dev.glyphsupervisor.core;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Why a launch failed, as its output and exit say: the {@code cause} (a name from {@link FailureCauses}), whether a
 * retry can fix it, the decisive line ({@code line}: the one the cause was found in, else the last line written; null
 * when nothing was written), the {@code signature} that tells two failures identical, and the last lines of the
 * output ({@code logTail}, at most {@link #TAIL_LINES} lines and {@link #TAIL_BYTES} bytes).
 */
public record Diagnosis(String cause, boolean retry, String line, String signature, List<String> logTail) {

    /** The audit fields (and status keys) a diagnosis is written as: declared here only. */
    public static final String CAUSE = "cause";
    public static final String CAUSE_LINE = "cause_line";
    public static final String LOG_TAIL = "log_tail";

    public static final int TAIL_LINES = 20;
    public static final int TAIL_BYTES = 4096;

    public Diagnosis {
        Objects.requireNonNull(cause, "cause");
        Objects.requireNonNull(signature, "signature");
        logTail = List.copyOf(logTail);
    }

    /** {@code cause}, {@code cause_line} and, when {@code withTail}, {@code log_tail}. */
    public Map<String, Object> fields(boolean withTail) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put(CAUSE, cause);
        m.put(CAUSE_LINE, line);
        if (withTail) {
            m.put(LOG_TAIL, logTail);
        }
        return m;
    }
}
