package dev.glyphsupervisor.cli;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One audit record as one readable line:
 * {@code 2026-11-26 14:04:56.643  gen 1  restart_decided  reason=exited pid=10501 exit_code=137}.
 * Time in the given zone; the record's own fields as key=value in their order, nested values as compact JSON.
 */
final class EventFormat {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS");
    private static final Set<String> HEADER = Set.of("schema", "ts", "seq", "event", "generation");
    /** Text that reads unambiguously bare; anything else (spaces, quotes, '=', control characters) is quoted as JSON. */
    private static final Pattern BARE = Pattern.compile("[\\p{Graph}&&[^\"=\\\\]]+");

    private final ZoneId zone;

    EventFormat(ZoneId zone) {
        this.zone = zone;
    }

    String format(JsonNode record) {
        StringBuilder line = new StringBuilder()
                .append(time(record)).append("  gen ").append(text(record.get("generation"), "?"))
                .append("  ").append(text(record.get("event"), "?"));
        String separator = "  ";
        for (Iterator<Map.Entry<String, JsonNode>> it = record.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            if (!HEADER.contains(field.getKey())) {
                line.append(separator).append(field.getKey()).append('=').append(value(field.getValue()));
                separator = " ";
            }
        }
        return line.toString();
    }

    /** The record's time, or empty when it has none that parses (a hand-edited or foreign line). */
    static Optional<Instant> timestamp(JsonNode record) {
        JsonNode ts = record.get("ts");
        if (ts == null || !ts.isTextual()) {
            return Optional.empty();
        }
        try {
            return Optional.of(Instant.parse(ts.asText()));
        } catch (DateTimeException e) {
            return Optional.empty();
        }
    }

    private String time(JsonNode record) {
        return timestamp(record).map(t -> TIME.format(t.atZone(zone)))
                .orElseGet(() -> text(record.get("ts"), "????-??-?? ??:??:??.???"));
    }

    private static String text(JsonNode node, String missing) {
        return node == null || node.isNull() ? missing : value(node);
    }

    private static String value(JsonNode node) {
        if (node.isTextual()) {
            String text = node.asText();
            return BARE.matcher(text).matches() ? text : node.toString();
        }
        return node.toString();
    }
}
