package dev.glyphsupervisor.systemd;

import com.sun.jna.Library;

/**
 * The one libsystemd call we make, as a JNA interface mapping (loadable under any name, so a test can
 * point it at a library that is not there).
 */
interface Libsystemd extends Library {

    /**
     * Sends {@code state} to $NOTIFY_SOCKET (a path, or "@..." for an abstract socket). Returns &gt; 0 when
     * sent, 0 when NOTIFY_SOCKET is unset, a negative errno on failure. It reads NOTIFY_SOCKET from the C
     * environment at every call, which is why {@link NotifySocketEnvironment} exists.
     */
    int sd_notify(int unsetEnvironment, String state);
}
