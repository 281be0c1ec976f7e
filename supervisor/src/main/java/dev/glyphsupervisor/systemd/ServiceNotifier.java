package dev.glyphsupervisor.systemd;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * What the daemon tells its service manager. Java 17 has no Unix datagram sockets, so the real one
 * ({@link SystemdNotifier}) goes through libsystemd; everything else sees only this interface, and a
 * daemon started outside systemd (a terminal, a test) gets {@link #NONE}.
 */
public interface ServiceNotifier {

    /** Sends {@code READY=1} with a {@code STATUS=} line: only once the daemon can really serve. */
    void ready(String status);

    /** Sends {@code STATUS=...}, the one line {@code systemctl status} shows. */
    void status(String status);

    /** Sends {@code WATCHDOG=1}; see {@link WatchdogTicker} for when. */
    void watchdog();

    /**
     * Sends {@code STOPPING=1} with a {@code STATUS=} line, so systemd shows "deactivating" while we stop the server,
     * and {@code EXTEND_TIMEOUT_USEC=} with {@code mayTake}, the longest the stop can take by the config
     * ({@link dev.glyphsupervisor.daemon.ShutdownBudget}): systemd (236 and later) then waits that long before it
     * SIGKILLs the unit, even past its {@code TimeoutStopSec}, so its stop timeout follows the config.
     */
    void stopping(String status, Duration mayTake);

    /**
     * Half of WATCHDOG_USEC (the ping interval systemd expects), or empty when no watchdog is configured
     * for this process.
     */
    Optional<Duration> watchdogInterval();

    /** Says nothing; no watchdog. */
    ServiceNotifier NONE = NoServiceNotifier.INSTANCE;

    /**
     * {@link SystemdNotifier} when NOTIFY_SOCKET is set (and libsystemd loads), else {@link #NONE}.
     * Takes the environment as a map for tests; the daemon passes {@code System.getenv()}.
     */
    static ServiceNotifier fromEnvironment(Map<String, String> env) {
        return SystemdNotifier.fromEnvironment(env, SystemdNotifier.LIBSYSTEMD);
    }
}
