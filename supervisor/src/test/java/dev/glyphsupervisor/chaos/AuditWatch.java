package dev.glyphsupervisor.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import dev.glyphsupervisor.audit.AuditFollower;
import dev.glyphsupervisor.e2e.Await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

/**
 * A lane's audit log as it grows (through the product's own {@link AuditFollower}, which survives
 * rotation), and what it says about the server now: serving (healthy or adopted, with generation and
 * pid) or not. Faults mark a position, act, then wait for records after that position.
 */
final class AuditWatch {

    /** The server the daemon last called healthy or adopted. */
    record Serving(long generation, long pid, long seq, boolean adopted) {
    }

    private static final Set<String> NOT_SERVING = Set.of("restart_decided", "runtime_exited", "paused",
            "supervisor_started", "supervisor_stopping", "runtime_stopped", "port_in_use", "launch_failed", "launch_refused",
            "gpu_busy");

    private final AuditFollower follower;
    /** In a stack, the server this watch follows: its records and the daemon's own (which name no server). */
    private final String server;
    private final List<JsonNode> events = new ArrayList<>();
    private Serving serving;

    AuditWatch(Path audit) {
        this(audit, null);
    }

    AuditWatch(Path audit, String server) {
        this.follower = new AuditFollower(audit);
        this.server = server;
    }

    /** The position after every record written so far. */
    synchronized int mark() {
        poll();
        return events.size();
    }

    synchronized Optional<Serving> serving() {
        poll();
        return Optional.ofNullable(serving);
    }

    /** The first record named {@code event} after {@code from} that passes {@code filter}. */
    synchronized Optional<JsonNode> find(int from, String event, Predicate<JsonNode> filter) {
        poll();
        for (int i = from; i < events.size(); i++) {
            JsonNode e = events.get(i);
            if (e.path("event").asText().equals(event) && filter.test(e)) {
                return Optional.of(e);
            }
        }
        return Optional.empty();
    }

    /** Every record after {@code from}. */
    synchronized List<JsonNode> since(int from) {
        poll();
        return new ArrayList<>(events.subList(Math.min(from, events.size()), events.size()));
    }

    /** Index of {@code record} in the log as seen so far. */
    synchronized int indexOf(JsonNode record) {
        long seq = record.path("seq").asLong();
        for (int i = events.size() - 1; i >= 0; i--) {
            if (events.get(i).path("seq").asLong() == seq && events.get(i).equals(record)) {
                return i;
            }
        }
        return events.size();
    }

    /** Waits for {@link #find}; empty if nothing came within {@code timeout}. */
    Optional<JsonNode> await(int from, String event, Predicate<JsonNode> filter, Duration timeout) {
        try {
            Await.until(timeout, event, () -> find(from, event, filter).isPresent());
        } catch (AssertionError timedOut) {
            return Optional.empty();
        }
        return find(from, event, filter);
    }

    /** The first of several event names after {@code from}, waiting up to {@code timeout}. */
    Optional<JsonNode> awaitAny(int from, Set<String> names, Predicate<JsonNode> filter, Duration timeout) {
        Predicate<JsonNode> match = e -> names.contains(e.path("event").asText()) && filter.test(e);
        try {
            Await.until(timeout, "any of " + names, () -> since(from).stream().anyMatch(match));
        } catch (AssertionError timedOut) {
            return Optional.empty();
        }
        return since(from).stream().filter(match).findFirst();
    }

    Optional<Serving> awaitServing(Duration timeout) {
        try {
            Await.until(timeout, "a healthy server", () -> serving().isPresent());
        } catch (AssertionError timedOut) {
            return Optional.empty();
        }
        return serving();
    }

    static long millis(JsonNode record) {
        return Instant.parse(record.path("ts").asText()).toEpochMilli();
    }

    static long generation(JsonNode record) {
        return record.path("generation").asLong();
    }

    private void poll() {
        try {
            follower.poll(e -> {
                if (server != null && e.has("server") && !e.path("server").asText().equals(server)) {
                    return; // another server's record
                }
                events.add(e);
                String name = e.path("event").asText();
                if (name.equals("runtime_healthy") || name.equals("runtime_adopted")) {
                    serving = new Serving(generation(e), e.path("pid").asLong(), e.path("seq").asLong(),
                            name.equals("runtime_adopted"));
                } else if (NOT_SERVING.contains(name)) {
                    serving = null;
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
