package dev.glyphsupervisor.runtime;

/**
 * A process that listens on a TCP port.
 *
 * @param pid     its pid, or -1 when the kernel does not tell us (a process of another user, seen without root)
 * @param command its command line (its name when argv is unreadable), empty when unknown
 */
public record PortHolder(int port, long pid, String command) {
}
