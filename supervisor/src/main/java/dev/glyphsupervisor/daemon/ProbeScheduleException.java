package dev.glyphsupervisor.daemon;

/** The probe schedule could not be set up or started; the scheduler library's own exception is the cause. */
public final class ProbeScheduleException extends Exception {

    private static final long serialVersionUID = 1L;

    ProbeScheduleException(String message, Throwable cause) {
        super(message, cause);
    }
}
