package dev.glyphsupervisor.audit;

import com.fasterxml.jackson.databind.JsonNode;
import dev.glyphsupervisor.json.Json;
import java.util.Map;
import java.util.Optional;

/** The line parser that the audit readers share. */
final class AuditJson {

    private AuditJson() {
    }

    /**
     * The record on this line, or empty when the line is blank, torn or otherwise not a JSON object. Anything
     * after the object fails too, so two records glued on one line (a torn write followed by more) are rejected.
     */
    static Optional<JsonNode> parseLine(byte[] bytes, int from, int to) {
        if (to <= from) {
            return Optional.empty();
        }
        try {
            JsonNode node = Json.read(bytes, from, to);
            return node.isObject() ? Optional.of(node) : Optional.empty();
        } catch (java.io.IOException e) {
            return Optional.empty();
        }
    }

    /** {@link #parseLine}'s record as an {@link AuditRecord}; the same lines pass and fail. */
    static Optional<AuditRecord> parseRecord(byte[] bytes, int from, int to) {
        if (to <= from) {
            return Optional.empty();
        }
        try {
            return Json.readPlain(bytes, from, to) instanceof Map<?, ?> m ? Optional.of(record(m)) : Optional.empty();
        } catch (java.io.IOException e) {
            return Optional.empty();
        }
    }

    @SuppressWarnings("unchecked") // Json.readPlain's objects are maps of String keys
    private static AuditRecord record(Map<?, ?> m) {
        return new AuditRecord((Map<String, Object>) m);
    }
}
