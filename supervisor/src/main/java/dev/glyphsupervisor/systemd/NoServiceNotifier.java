package dev.glyphsupervisor.systemd;

import java.time.Duration;
import java.util.Optional;

/** {@link ServiceNotifier#NONE}: not run by systemd, so there is nobody to tell. */
enum NoServiceNotifier implements ServiceNotifier {
    INSTANCE;

    @Override
    public void ready(String status) {
    }

    @Override
    public void status(String status) {
    }

    @Override
    public void watchdog() {
    }

    @Override
    public void stopping(String status, Duration mayTake) {
    }

    @Override
    public Optional<Duration> watchdogInterval() {
        return Optional.empty();
    }

    @Override
    public String toString() {
        return "ServiceNotifier.NONE";
    }
}
