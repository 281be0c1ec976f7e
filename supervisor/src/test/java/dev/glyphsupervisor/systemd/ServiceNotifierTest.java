package dev.glyphsupervisor.systemd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** ServiceNotifier.fromEnvironment: which notifier, and which watchdog interval, for which environment. */
class ServiceNotifierTest {

    private static final String SOCKET = "/run/systemd/notify";
    private static final long OUR_PID = ProcessHandle.current().pid();

    @Test
    void withoutNotifySocketItIsNone() {
        assertSame(ServiceNotifier.NONE, ServiceNotifier.fromEnvironment(Map.of()));
        assertSame(ServiceNotifier.NONE, ServiceNotifier.fromEnvironment(Map.of("NOTIFY_SOCKET", "")));
        assertSame(ServiceNotifier.NONE, ServiceNotifier.fromEnvironment(Map.of("WATCHDOG_USEC", "10000000")));
    }

    @Test
    void noneSaysNothingAndHasNoWatchdog() {
        ServiceNotifier.NONE.ready("RUNNING");
        ServiceNotifier.NONE.status("RUNNING");
        ServiceNotifier.NONE.watchdog();
        ServiceNotifier.NONE.stopping("stopping", java.time.Duration.ofSeconds(1));
        assertEquals(Optional.empty(), ServiceNotifier.NONE.watchdogInterval());
    }

    @Test
    void aLibsystemdThatDoesNotLoadGivesNone() {
        assertSame(ServiceNotifier.NONE,
                SystemdNotifier.fromEnvironment(Map.of("NOTIFY_SOCKET", SOCKET), "libsystemd-not-here.so.0"));
    }

    @Test
    void theWatchdogIntervalIsHalfOfWatchdogUsec() {
        ServiceNotifier notifier = ServiceNotifier.fromEnvironment(
                Map.of("NOTIFY_SOCKET", SOCKET, "WATCHDOG_USEC", "10000000"));

        assertInstanceOf(SystemdNotifier.class, notifier);
        assertEquals(Optional.of(Duration.ofSeconds(5)), notifier.watchdogInterval());
    }

    @Test
    void watchdogPidOfThisProcessKeepsTheWatchdog() {
        ServiceNotifier notifier = ServiceNotifier.fromEnvironment(Map.of(
                "NOTIFY_SOCKET", SOCKET, "WATCHDOG_USEC", "10000000", "WATCHDOG_PID", Long.toString(OUR_PID)));

        assertEquals(Optional.of(Duration.ofSeconds(5)), notifier.watchdogInterval());
    }

    @Test
    void watchdogPidOfAnotherProcessMeansNoWatchdog() {
        ServiceNotifier notifier = ServiceNotifier.fromEnvironment(Map.of(
                "NOTIFY_SOCKET", SOCKET, "WATCHDOG_USEC", "10000000", "WATCHDOG_PID", Long.toString(OUR_PID + 1)));

        assertInstanceOf(SystemdNotifier.class, notifier);
        assertEquals(Optional.empty(), notifier.watchdogInterval());
    }

    @Test
    void noOrBadWatchdogUsecMeansNoWatchdog() {
        assertEquals(Optional.empty(), SystemdNotifier.watchdogInterval(Map.of(), OUR_PID));
        assertEquals(Optional.empty(), SystemdNotifier.watchdogInterval(Map.of("WATCHDOG_USEC", "0"), OUR_PID));
        assertEquals(Optional.empty(), SystemdNotifier.watchdogInterval(Map.of("WATCHDOG_USEC", "10s"), OUR_PID));
        assertEquals(Optional.empty(), SystemdNotifier.watchdogInterval(Map.of("WATCHDOG_USEC", "-5"), OUR_PID));
    }

    @Test
    void oddMicrosecondsAreHalvedExactly() {
        assertEquals(Optional.of(Duration.ofNanos(1500)),
                SystemdNotifier.watchdogInterval(Map.of("WATCHDOG_USEC", "3"), OUR_PID));
    }
}
