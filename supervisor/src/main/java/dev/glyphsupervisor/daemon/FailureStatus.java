package dev.glyphsupervisor.daemon;

import dev.glyphsupervisor.config.ServerConfig;
import dev.glyphsupervisor.control.StatusReply;
import dev.glyphsupervisor.core.FailureCauses;
import dev.glyphsupervisor.core.FailureReport;

/** The {@code last_failure} of {@code glyphctl status}: why the server did not start, in the audit log's words. */
final class FailureStatus {

    private FailureStatus() {
    }

    /** Null while there is none (never failed, or healthy since). */
    static StatusReply.LastFailure of(FailureReport f, ServerConfig config) {
        if (f == null) {
            return null;
        }
        return new StatusReply.LastFailure(f.reason(), f.at(), f.beforeHealthy(), f.exitCode(), f.diagnosis().cause(),
                f.diagnosis().line(), FailureCauses.explain(f.diagnosis().cause()).orElse(null), f.diagnosis().retry(),
                f.identicalFailures(), f.hopeless(), config.restart().hopelessAfter(),
                config.restart().backoffMax().toSeconds(), f.diagnosis().logTail(), config.runtime().log().toString());
    }
}
