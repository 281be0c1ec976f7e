package dev.glyphsupervisor.audit;

import dev.glyphsupervisor.core.AuditEvent;

import java.util.Map;

/**
 * Where the supervisor's core writes its audit records. A record announces an action, so callers
 * record first and act after: when {@code record} returns, the record has reached the operating system.
 */
public interface AuditSink {

    /**
     * @param event      what happened or is about to happen, e.g. {@link AuditEvent#RESTART_DECIDED}
     * @param generation the launch generation the event belongs to
     * @param fields     the event's values in the order they should appear; values may be String, Number,
     *                   Boolean, List, Map or null. Only keys {@code event} declares ({@link AuditEvent#keys}),
     *                   never the keys the record itself sets ({@code schema, ts, seq, event, generation}).
     * @throws java.io.UncheckedIOException when the record cannot be written
     * @throws IllegalArgumentException      when a field uses a reserved key or cannot be serialized
     */
    void record(AuditEvent event, long generation, Map<String, Object> fields);
}
