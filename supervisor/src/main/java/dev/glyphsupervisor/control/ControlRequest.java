package dev.glyphsupervisor.control;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * A command on the control channel, typed by the reply it gets. On the wire:
 * {@code {"v":1,"cmd":"status"|"restart"|"stop"|"start", ...}}; {@code ControlJson} alone reads and writes it.
 */
public sealed interface ControlRequest<R extends ControlReply>
        permits ControlRequest.Status, ControlRequest.Servers, ControlRequest.Restart, ControlRequest.Stop,
        ControlRequest.Start {

    /** The {@code cmd} of the wire form. */
    String command();

    /**
     * The server it is about (the wire's {@code server}), or null: the daemon's only server; a daemon of several
     * refuses that ({@link ControlException.Kind#NAME_NEEDED}) except for {@link Servers}.
     */
    String server();

    /** {@code glyphctl status [NAME]}: the detail of one server. */
    record Status(String server) implements ControlRequest<StatusReply> {
        public Status() {
            this(null);
        }

        @Override
        public String command() {
            return "status";
        }
    }

    /**
     * {@code glyphctl restart}: audited with {@code reason}; {@code awaitHealthy} (the wire's {@code wait}) asks the
     * daemon to answer only once a later generation is healthy, or {@code timeout} (the wire's {@code timeout_ms};
     * absent: the daemon's startup_timeout + stop_grace) has passed.
     */
    record Restart(String server, String reason, boolean awaitHealthy, Optional<Duration> timeout)
            implements ControlRequest<RestartReply> {
        public Restart(String reason, boolean awaitHealthy, Optional<Duration> timeout) {
            this(null, reason, awaitHealthy, timeout);
        }

        public Restart {
            Objects.requireNonNull(reason, "reason");
            Objects.requireNonNull(timeout, "timeout");
        }

        @Override
        public String command() {
            return "restart";
        }
    }

    /** {@code glyphctl status} of a daemon of several servers: one line per server. */
    record Servers() implements ControlRequest<ServersReply> {
        @Override
        public String server() {
            return null;
        }

        @Override
        public String command() {
            return "servers";
        }
    }

    /** {@code glyphctl stop}: stop the server and keep it stopped. */
    record Stop(String server) implements ControlRequest<StopReply> {
        public Stop() {
            this(null);
        }

        @Override
        public String command() {
            return "stop";
        }
    }

    /** {@code glyphctl start}: resume a stopped server. */
    record Start(String server) implements ControlRequest<StartReply> {
        public Start() {
            this(null);
        }

        @Override
        public String command() {
            return "start";
        }
    }
}
