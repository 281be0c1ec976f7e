package dev.glyphsupervisor.runtime;

/**
 * Told once when the launched process has exited. Called on the launcher's own thread: return quickly and
 * hand real work to the supervisor's executor.
 */
@FunctionalInterface
public interface ExitListener {

    /** The exit status, or 128+N when the process was killed by signal N (Java's convention). */
    void onExit(int exitCode);
}
