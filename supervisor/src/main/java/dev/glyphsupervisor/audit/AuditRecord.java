package dev.glyphsupervisor.audit;

import dev.glyphsupervisor.json.Json;

import java.time.DateTimeException;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * One audit record as read back: every key of its line in the line's order, with plain values (strings, numbers,
 * booleans, null, and lists and ordered maps of them). The header ({@code schema, ts, seq, event, generation}, and
 * {@code server} in a record of one server) has
 * typed accessors that are empty for a line that lacks a key or holds another type there (a hand-edited or foreign
 * line); {@link #fields()} is the rest, the event's own fields.
 */
public record AuditRecord(Map<String, Object> values) {

    /**
     * The keys a record starts with, before the event's own fields: every record has the first five; a record of
     * one server has {@code server} too (the daemon's own records have none).
     */
    public static final Set<String> HEADER = Set.of("schema", "ts", "seq", "event", "generation", "server");

    public AuditRecord {
        values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
    }

    /** The record's time, or empty when it has none that parses. */
    public Optional<Instant> ts() {
        if (!(values.get("ts") instanceof String ts)) {
            return Optional.empty();
        }
        try {
            return Optional.of(Instant.parse(ts));
        } catch (DateTimeException e) {
            return Optional.empty();
        }
    }

    public OptionalLong seq() {
        return integral(values.get("seq"));
    }

    public Optional<String> event() {
        return values.get("event") instanceof String e ? Optional.of(e) : Optional.empty();
    }

    public OptionalLong generation() {
        return integral(values.get("generation"));
    }

    /** The server this record belongs to; empty for a record of the daemon itself (or a log older than servers). */
    public Optional<String> server() {
        return values.get("server") instanceof String s ? Optional.of(s) : Optional.empty();
    }

    /** The value at {@code key} as written (null for JSON null and for a missing key). */
    public Object get(String key) {
        return values.get(key);
    }

    /** The event's own fields, in the line's order: every key but the {@link #HEADER}'s. */
    public Map<String, Object> fields() {
        Map<String, Object> fields = new LinkedHashMap<>(values);
        fields.keySet().removeAll(HEADER);
        return Collections.unmodifiableMap(fields);
    }

    /** The record as one line of JSON: its keys, order and values as they were read. */
    public String toJson() {
        return Json.writeString(values);
    }

    private static OptionalLong integral(Object v) {
        return v instanceof Integer || v instanceof Long ? OptionalLong.of(((Number) v).longValue()) : OptionalLong.empty();
    }
}
