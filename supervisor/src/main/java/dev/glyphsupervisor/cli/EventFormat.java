package dev.glyphsupervisor.cli;

import dev.glyphsupervisor.audit.AuditRecord;
import dev.glyphsupervisor.json.Json;

import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * One audit record as one readable line:
 * {@code 2026-11-26 14:04:56.643  gen 1  restart_decided  reason=exited pid=10501 exit_code=137}, and for a record of
 * one server its name after the generation:
 * {@code 2026-11-26 14:04:56.643  gen 1  vllm  restart_decided  reason=exited pid=10501 exit_code=137}.
 * Time in the given zone; the record's own fields as key=value in their order, nested values as compact JSON.
 */
final class EventFormat {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS");
    /** Text that reads unambiguously bare; anything else (spaces, quotes, '=', control characters) is quoted as JSON. */
    private static final Pattern BARE = Pattern.compile("[\\p{Graph}&&[^\"=\\\\]]+");

    private final ZoneId zone;

    EventFormat(ZoneId zone) {
        this.zone = zone;
    }

    String format(AuditRecord record) {
        StringBuilder line = new StringBuilder()
                .append(time(record)).append("  gen ").append(text(record.get("generation"), "?"));
        if (record.get("server") != null) {
            line.append("  ").append(value(record.get("server")));
        }
        line.append("  ").append(text(record.get("event"), "?"));
        String separator = "  ";
        for (Map.Entry<String, Object> field : record.fields().entrySet()) {
            line.append(separator).append(field.getKey()).append('=').append(value(field.getValue()));
            separator = " ";
        }
        return line.toString();
    }

    private String time(AuditRecord record) {
        return record.ts().map(t -> TIME.format(t.atZone(zone)))
                .orElseGet(() -> text(record.get("ts"), "????-??-?? ??:??:??.???"));
    }

    private static String text(Object value, String missing) {
        return value == null ? missing : value(value);
    }

    /** Text bare when it reads unambiguously so, else (and any other value) as compact JSON. */
    private static String value(Object value) {
        if (value instanceof String text && BARE.matcher(text).matches()) {
            return text;
        }
        return Json.writeString(value);
    }
}
