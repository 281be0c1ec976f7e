package dev.glyphsupervisor.chaos;

/**
 * One injected fault and what the daemon did about it, in wall-clock epoch milliseconds (the audit log's
 * clock): {@code effectiveAt} when the fault took effect, {@code detectedAt} the audit record that shows
 * the daemon noticed it, {@code clearedAt} when the harness undid a fault it holds (the port grab, the
 * cache block; else equal to {@code effectiveAt}), {@code recoveredAt} the record of a healthy server again.
 * A missing record is -1, and makes the fault a violation.
 */
record FaultRecord(String lane, FaultKind kind, String variant, long effectiveAt, long detectedAt, long clearedAt,
                   long recoveredAt, String note) {

    boolean detected() {
        return detectedAt >= 0;
    }

    boolean recovered() {
        return recoveredAt >= 0;
    }

    /** Fault in effect → noticed (never negative: the harness may see a breach after the daemon did). */
    long detectionMs() {
        return Math.max(0, detectedAt - effectiveAt);
    }

    /** Fault cleared (or in effect, for faults the daemon alone must heal) → healthy again. */
    long recoveryMs() {
        return Math.max(0, recoveredAt - clearedAt);
    }

    @Override
    public String toString() {
        return lane + " " + kind + (variant.isEmpty() ? "" : "/" + variant) + ": detected "
                + (detected() ? detectionMs() + " ms" : "NEVER") + ", recovered "
                + (recovered() ? recoveryMs() + " ms" : "NEVER") + (note.isEmpty() ? "" : " (" + note + ")");
    }
}
