package dev.glyphsupervisor.runtime;

/** The process could not be started at all (no {@code setsid}, a missing working directory, ...). */
public final class LaunchException extends Exception {

    private static final long serialVersionUID = 1L;

    public LaunchException(String message) {
        super(message);
    }

    public LaunchException(String message, Throwable cause) {
        super(message, cause);
    }
}
