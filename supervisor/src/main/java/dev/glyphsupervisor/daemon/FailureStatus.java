package dev.glyphsupervisor.daemon;

import dev.glyphsupervisor.config.SupervisorConfig;
import dev.glyphsupervisor.core.Diagnosis;
import dev.glyphsupervisor.core.FailureCauses;
import dev.glyphsupervisor.core.FailureReport;
import dev.glyphsupervisor.core.SupervisorStateMachine;

import java.util.LinkedHashMap;
import java.util.Map;

/** The {@code last_failure} of {@code glyphctl status}: why the server did not start, in the audit log's words. */
final class FailureStatus {

    private FailureStatus() {
    }

    /** Null while there is none (never failed, or healthy since). */
    static Map<String, Object> of(FailureReport f, SupervisorConfig config) {
        if (f == null) {
            return null;
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("reason", f.reason());
        m.put("at", f.at().toString());
        m.put("before_healthy", f.beforeHealthy());
        m.put("exit_code", f.exitCode());
        m.putAll(f.diagnosis().fields(false));
        m.put("explanation", FailureCauses.explain(f.diagnosis().cause()).orElse(null));
        m.put("retry", f.diagnosis().retry());
        m.put(SupervisorStateMachine.IDENTICAL_FAILURES, f.identicalFailures());
        m.put("hopeless", f.hopeless());
        m.put(SupervisorStateMachine.HOPELESS_AFTER, config.restart().hopelessAfter());
        m.put("retry_every_s", config.restart().backoffMax().toSeconds());
        m.put(Diagnosis.LOG_TAIL, f.diagnosis().logTail());
        m.put("runtime_log", config.runtime().log().toString());
        return m;
    }
}
