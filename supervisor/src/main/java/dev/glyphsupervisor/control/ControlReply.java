package dev.glyphsupervisor.control;

/**
 * What the daemon answers a {@link ControlRequest} with, as values; {@code ControlJson} alone turns them into the
 * wire's JSON and back.
 */
public sealed interface ControlReply permits StatusReply, ServersReply, RestartReply, StopReply, StartReply {
}
