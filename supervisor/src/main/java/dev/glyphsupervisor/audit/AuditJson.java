package dev.glyphsupervisor.audit;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Optional;

/** The one JSON mapper and line parser that the audit writer and reader share. */
final class AuditJson {

    /** Trailing tokens fail, so two records glued on one line (a torn write followed by more) are rejected. */
    static final ObjectMapper MAPPER = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private AuditJson() {
    }

    /** The record on this line, or empty when the line is blank, torn or otherwise not a JSON object. */
    static Optional<JsonNode> parseLine(byte[] bytes, int from, int to) {
        if (to <= from) {
            return Optional.empty();
        }
        try {
            JsonNode node = MAPPER.readTree(bytes, from, to - from);
            return node != null && node.isObject() ? Optional.of(node) : Optional.empty();
        } catch (java.io.IOException e) {
            return Optional.empty();
        }
    }
}
