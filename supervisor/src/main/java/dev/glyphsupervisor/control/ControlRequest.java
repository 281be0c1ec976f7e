package dev.glyphsupervisor.control;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * A command on the control channel, typed by the reply it gets. On the wire:
 * {@code {"v":1,"cmd":"status"|"restart"|"stop"|"start", ...}}; {@code ControlJson} alone reads and writes it.
 */
public sealed interface ControlRequest<R extends ControlReply>
        permits ControlRequest.Status, ControlRequest.Restart, ControlRequest.Stop, ControlRequest.Start {

    /** The {@code cmd} of the wire form. */
    String command();

    /** {@code glyphctl status}. */
    record Status() implements ControlRequest<StatusReply> {
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
    record Restart(String reason, boolean awaitHealthy, Optional<Duration> timeout) implements ControlRequest<RestartReply> {
        public Restart {
            Objects.requireNonNull(reason, "reason");
            Objects.requireNonNull(timeout, "timeout");
        }

        @Override
        public String command() {
            return "restart";
        }
    }

    /** {@code glyphctl stop}: stop the server and keep it stopped. */
    record Stop() implements ControlRequest<StopReply> {
        @Override
        public String command() {
            return "stop";
        }
    }

    /** {@code glyphctl start}: resume a stopped server. */
    record Start() implements ControlRequest<StartReply> {
        @Override
        public String command() {
            return "start";
        }
    }
}
