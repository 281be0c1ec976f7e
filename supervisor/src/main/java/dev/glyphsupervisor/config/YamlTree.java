package dev.glyphsupervisor.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.yaml.snakeyaml.error.MarkedYAMLException;

/**
 * Reads YAML text into {@link YamlNode}s with Jackson's streaming parser, which gives the line and column
 * of every token. Duplicate keys are caught here rather than with Jackson's
 * {@code STRICT_DUPLICATE_DETECTION}: that feature stops the parse at the first one, while here the load
 * goes on and reports the other problems too, and says where the key was first set.
 */
final class YamlTree {

    /** An empty value ({@code port:}) is null, as in YAML; the builder would otherwise read it as "". */
    private static final YAMLFactory YAML = YAMLFactory.builder().enable(YAMLParser.Feature.EMPTY_STRING_AS_NULL).build();

    private final Problems problems;

    private YamlTree(Problems problems) {
        this.problems = problems;
    }

    /** The document's root node, or empty when the text is empty or not valid YAML (a problem is added). */
    static Optional<YamlNode> read(String text, Problems problems) {
        return new YamlTree(problems).readDocument(text);
    }

    private Optional<YamlNode> readDocument(String text) {
        try (JsonParser parser = YAML.createParser(text)) {
            JsonToken first = parser.nextToken();
            if (first == null) {
                problems.add(new Location(1, 1), "", "the file is empty; a config needs at least runtime.command and state_dir");
                return Optional.empty();
            }
            YamlNode root = readValue(parser, first, "");
            if (parser.nextToken() != null) {
                problems.add(location(parser), "", "a second YAML document starts here; the config must be one document");
            }
            return Optional.of(root);
        } catch (JsonProcessingException invalid) {
            problems.add(syntaxErrorLocation(invalid), "", "not valid YAML: " + syntaxErrorReason(invalid));
            return Optional.empty();
        } catch (IOException cannotHappenOnAString) {
            throw new UncheckedIOException(cannotHappenOnAString);
        }
    }

    private YamlNode readValue(JsonParser parser, JsonToken token, String path) throws IOException {
        Location location = location(parser);
        switch (token) {
            case START_OBJECT: {
                Map<String, YamlNode.Entry> entries = new LinkedHashMap<>();
                while (parser.nextToken() == JsonToken.FIELD_NAME) {
                    String key = parser.currentName();
                    Location keyLocation = location(parser);
                    JsonToken valueToken = parser.nextToken();
                    String keyPath = path.isEmpty() ? key : path + "." + key;
                    YamlNode value = readValue(parser, valueToken, keyPath);
                    YamlNode.Entry first = entries.putIfAbsent(key, new YamlNode.Entry(keyLocation, value));
                    if (first != null) {
                        problems.add(keyLocation, keyPath, "duplicate key '" + key + "' (first set at line "
                                + first.keyLocation().line() + ", column " + first.keyLocation().column() + ")");
                    }
                }
                return new YamlNode.Mapping(location, entries);
            }
            case START_ARRAY: {
                List<YamlNode> items = new ArrayList<>();
                for (JsonToken item = parser.nextToken(); item != JsonToken.END_ARRAY; item = parser.nextToken()) {
                    items.add(readValue(parser, item, path + "[" + items.size() + "]"));
                }
                return new YamlNode.Sequence(location, items);
            }
            case VALUE_NULL:
                return new YamlNode.Scalar(location, null, YamlNode.Scalar.Kind.NULL);
            default:
                return new YamlNode.Scalar(location, parser.getText(), kind(token));
        }
    }

    private static YamlNode.Scalar.Kind kind(JsonToken token) {
        return switch (token) {
            case VALUE_TRUE -> YamlNode.Scalar.Kind.TRUE;
            case VALUE_FALSE -> YamlNode.Scalar.Kind.FALSE;
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> YamlNode.Scalar.Kind.NUMBER;
            default -> YamlNode.Scalar.Kind.STRING;
        };
    }

    private static Location location(JsonParser parser) {
        JsonLocation at = parser.currentTokenLocation();
        return new Location(Math.max(1, at.getLineNr()), Math.max(1, at.getColumnNr()));
    }

    /** SnakeYAML knows the exact mark of a syntax error; Jackson's own location is the fallback. */
    private static Location syntaxErrorLocation(JsonProcessingException invalid) {
        return snakeYamlError(invalid)
                .filter(marked -> marked.getProblemMark() != null)
                .map(marked -> new Location(marked.getProblemMark().getLine() + 1, marked.getProblemMark().getColumn() + 1))
                .orElseGet(() -> {
                    JsonLocation at = invalid.getLocation();
                    return at == null ? new Location(1, 1) : new Location(Math.max(1, at.getLineNr()), Math.max(1, at.getColumnNr()));
                });
    }

    /** One line: SnakeYAML's problem and context without its multi-line excerpt of the file. */
    private static String syntaxErrorReason(JsonProcessingException invalid) {
        return snakeYamlError(invalid)
                .map(marked -> marked.getProblem()
                        + (marked.getContext() == null ? "" : " (" + marked.getContext().strip() + ")"))
                .orElseGet(() -> invalid.getOriginalMessage().lines().findFirst().orElse("syntax error"));
    }

    private static Optional<MarkedYAMLException> snakeYamlError(Throwable thrown) {
        for (Throwable cause = thrown; cause != null; cause = cause.getCause()) {
            if (cause instanceof MarkedYAMLException marked) {
                return Optional.of(marked);
            }
        }
        return Optional.empty();
    }
}
