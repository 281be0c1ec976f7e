package dev.glyphsupervisor.core;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The restarts decided in a state directory, by this daemon and the ones before it: how many in all, and when
 * the last day's were. The state machine owns the one current value and adds each decision to it; status, the
 * systemd status line, {@code supervisor_stopped} and {@code history.json} all read that value. Immutable, so the
 * daemon can hand it from the event loop to the control channel as it is.
 */
public record RestartHistory(long total, List<Instant> recent) {

    /** The restart times kept: status reports the last 24 hours. */
    public static final Duration KEPT = Duration.ofDays(1);

    public static final RestartHistory NONE = new RestartHistory(0, List.of());

    public RestartHistory {
        recent = List.copyOf(recent);
    }

    /** This history with one more restart at {@code at}; times more than {@link #KEPT} before it are forgotten. */
    public RestartHistory plus(Instant at) {
        Instant oldest = at.minus(KEPT);
        List<Instant> kept = new ArrayList<>();
        for (Instant t : recent) {
            if (!t.isBefore(oldest)) {
                kept.add(t);
            }
        }
        kept.add(at);
        return new RestartHistory(total + 1, kept);
    }

    /** Restarts decided since {@code since} (at most {@link #KEPT} ago). */
    public long since(Instant since) {
        return recent.stream().filter(t -> !t.isBefore(since)).count();
    }
}
