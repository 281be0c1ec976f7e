package dev.glyphsupervisor.systemd;

import com.sun.jna.Native;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Logger;

/**
 * {@link ServiceNotifier} through {@code sd_notify(3)} in libsystemd, since Java 17 cannot send on a Unix
 * datagram socket. libsystemd handles both socket forms ("/run/..." and abstract "@..."). Made only by
 * {@link ServiceNotifier#fromEnvironment}.
 *
 * <p>A failed send is logged once and never thrown: the daemon's job is the server, and a notification
 * that did not arrive costs at worst a restart by systemd, which is what an exception would cost too.
 */
final class SystemdNotifier implements ServiceNotifier {

    /** By soname: the unversioned libsystemd.so exists only with the development package. */
    static final String LIBSYSTEMD = "libsystemd.so.0";

    private static final Logger LOG = Logger.getLogger(SystemdNotifier.class.getName());

    private final Libsystemd libsystemd;
    private final String socket;
    private final Optional<Duration> watchdogInterval;
    private final AtomicBoolean failureLogged = new AtomicBoolean();

    private SystemdNotifier(Libsystemd libsystemd, String socket, Optional<Duration> watchdogInterval) {
        this.libsystemd = libsystemd;
        this.socket = socket;
        this.watchdogInterval = watchdogInterval;
    }

    /** {@link ServiceNotifier#fromEnvironment}, with the library name open for a test of one that does not load. */
    static ServiceNotifier fromEnvironment(Map<String, String> env, String soname) {
        String socket = env.get("NOTIFY_SOCKET");
        if (socket == null || socket.isEmpty()) {
            return NONE;
        }
        Libsystemd libsystemd;
        try {
            libsystemd = Native.load(soname, Libsystemd.class);
        } catch (UnsatisfiedLinkError e) {
            // Type=notify without READY=1 ends in systemd's start timeout; say why before that happens. JNA's
            // message goes on to list every classpath entry it searched: its first line is the reason.
            String reason = e.getMessage() == null ? e.toString() : e.getMessage().lines().findFirst().orElse("");
            LOG.warning("NOTIFY_SOCKET is set but " + soname + " does not load (" + reason
                    + "): systemd will hear nothing from this daemon");
            return NONE;
        }
        return new SystemdNotifier(libsystemd, socket, watchdogInterval(env, ProcessHandle.current().pid()));
    }

    /**
     * Half of WATCHDOG_USEC, as sd_watchdog_enabled(3) advises, when the watchdog is meant for us: systemd
     * sets WATCHDOG_PID to the main pid, and a process that inherited the variables from its parent must
     * not ping in that parent's place.
     */
    static Optional<Duration> watchdogInterval(Map<String, String> env, long ourPid) {
        String usec = env.get("WATCHDOG_USEC");
        if (usec == null) {
            return Optional.empty();
        }
        String pid = env.get("WATCHDOG_PID");
        if (pid != null && !pid.equals(Long.toString(ourPid))) {
            return Optional.empty();
        }
        long micros;
        try {
            micros = Long.parseLong(usec);
        } catch (NumberFormatException e) {
            micros = 0;
        }
        if (micros <= 0) {
            LOG.warning("WATCHDOG_USEC=" + usec + " is not a positive number of microseconds: no watchdog pings");
            return Optional.empty();
        }
        return Optional.of(Duration.of(micros, ChronoUnit.MICROS).dividedBy(2));
    }

    @Override
    public void ready(String status) {
        send("READY=1\nSTATUS=" + oneLine(status));
    }

    @Override
    public void status(String status) {
        send("STATUS=" + oneLine(status));
    }

    @Override
    public void watchdog() {
        send("WATCHDOG=1");
    }

    @Override
    public void stopping(String status, Duration mayTake) {
        send("STOPPING=1\nEXTEND_TIMEOUT_USEC=" + mayTake.toNanos() / 1000 + "\nSTATUS=" + oneLine(status));
    }

    @Override
    public Optional<Duration> watchdogInterval() {
        return watchdogInterval;
    }

    /** A newline would start a new assignment (a status text could say "READY=1"); a NUL would cut the message. */
    private static String oneLine(String status) {
        return Objects.requireNonNull(status, "status").replaceAll("[\\r\\n\\x00]", " ");
    }

    private void send(String state) {
        int result;
        try {
            // unset_environment 0: we notify for the daemon's whole life, not once.
            result = NotifySocketEnvironment.callWith(socket, () -> libsystemd.sd_notify(0, state));
        } catch (RuntimeException | UnsatisfiedLinkError e) {
            failed(state, e.toString());
            return;
        }
        if (result < 0) {
            failed(state, "errno " + -result);
        }
    }

    /** Once: a watchdog ping that cannot be sent would otherwise log at every tick, for days. */
    private void failed(String state, String why) {
        String message = "sd_notify to " + socket + " failed (" + why + "): " + state.replace('\n', ' ');
        if (failureLogged.compareAndSet(false, true)) {
            LOG.warning(message + "; further failures are logged at FINE");
        } else {
            LOG.fine(message);
        }
    }

    @Override
    public String toString() {
        return "SystemdNotifier[socket=" + socket + ", watchdogInterval=" + watchdogInterval.orElse(null) + "]";
    }
}
