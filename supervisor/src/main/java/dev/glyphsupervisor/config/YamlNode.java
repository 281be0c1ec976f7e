package dev.glyphsupervisor.config;

import java.util.List;
import java.util.Map;

/**
 * The config file as a tree whose every node knows where it was written. Jackson's own {@code JsonNode}
 * forgets locations, and the whole point of a config error is to say where.
 */
sealed interface YamlNode permits YamlNode.Mapping, YamlNode.Sequence, YamlNode.Scalar {

    Location location();

    /** For messages: "a mapping", "a list", "the string 'abc'", "the number 12". */
    String describe();

    /** A key of a mapping: where the key itself was written (unknown and duplicate keys point here). */
    record Entry(Location keyLocation, YamlNode value) {
    }

    record Mapping(Location location, Map<String, Entry> entries) implements YamlNode {
        @Override
        public String describe() {
            return "a mapping";
        }
    }

    record Sequence(Location location, List<YamlNode> items) implements YamlNode {
        @Override
        public String describe() {
            return "a list";
        }
    }

    /** {@code text} is null for a YAML null ({@code key:} with nothing after it, or {@code ~}). */
    record Scalar(Location location, String text, Kind kind) implements YamlNode {

        /** What YAML made of the scalar (the parser's own token types stay in {@link YamlTree}). */
        enum Kind { NULL, TRUE, FALSE, NUMBER, STRING }

        boolean isNull() {
            return text == null;
        }

        @Override
        public String describe() {
            return switch (kind) {
                case NULL -> "null";
                case TRUE, FALSE -> "the boolean " + text;
                case NUMBER -> "the number " + text;
                case STRING -> "the string '" + text + "'";
            };
        }
    }
}
