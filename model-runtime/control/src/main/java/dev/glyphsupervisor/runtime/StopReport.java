package dev.glyphsupervisor.runtime;

import java.time.Duration;
import java.util.List;

/**
 * What a stop did, for the audit log.
 *
 * @param signal          "none" (the tree was already gone), "SIGTERM" (gone within the grace period) or
 *                        "SIGKILL" (survivors of the grace period were killed)
 * @param termed          the pids that were members when SIGTERM was sent
 * @param survivorsKilled the pids still alive after the grace period, sent SIGKILL
 * @param stillAlive      the pids alive when the kill timeout ran out: empty when the stop converged
 */
public record StopReport(String signal, Duration elapsed, List<Long> termed, List<Long> survivorsKilled,
                         List<Long> stillAlive) {

    public StopReport {
        termed = List.copyOf(termed);
        survivorsKilled = List.copyOf(survivorsKilled);
        stillAlive = List.copyOf(stillAlive);
    }

    /** True when no process of the tree is left. */
    public boolean converged() {
        return stillAlive.isEmpty();
    }
}
