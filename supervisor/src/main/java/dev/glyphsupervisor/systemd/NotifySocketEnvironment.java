package dev.glyphsupervisor.systemd;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Platform;
import java.util.function.IntSupplier;

/**
 * Lets libsystemd see the NOTIFY_SOCKET that {@link SystemdNotifier} was given. sd_notify reads it from
 * the C environment, which Java cannot change, while our notifier takes its environment as a map.
 * Under systemd the map is {@code System.getenv()}, both agree, and the environment is never touched.
 * Only when they differ (tests) is the variable set around the one call and put back after it.
 */
final class NotifySocketEnvironment {

    private static final String NAME = "NOTIFY_SOCKET";

    /** The C environment is one per process: one notifier at a time may swap it. */
    private static final Object LOCK = new Object();

    private static final Libc LIBC = Native.load(Platform.C_LIBRARY_NAME, Libc.class);

    private NotifySocketEnvironment() {
    }

    /** Runs {@code call} (an sd_notify) with NOTIFY_SOCKET set to {@code socket} in the C environment. */
    static int callWith(String socket, IntSupplier call) {
        synchronized (LOCK) {
            String previous = LIBC.getenv(NAME);
            if (socket.equals(previous)) {
                return call.getAsInt();
            }
            set(socket);
            try {
                return call.getAsInt();
            } finally {
                if (previous == null) {
                    LIBC.unsetenv(NAME);
                } else {
                    set(previous);
                }
            }
        }
    }

    private static void set(String value) {
        if (LIBC.setenv(NAME, value, 1) != 0) {
            throw new IllegalStateException("setenv(" + NAME + ") failed");
        }
    }

    private interface Libc extends Library {
        /** JNA copies the C string, so the result stays valid after a later setenv. */
        String getenv(String name);

        int setenv(String name, String value, int overwrite);

        int unsetenv(String name);
    }
}
