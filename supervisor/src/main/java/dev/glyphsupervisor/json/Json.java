package dev.glyphsupervisor.json;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The daemon's and glyphctl's JSON (audit records, the control channel, the server record), written and read
 * with Jackson's streaming API. {@code ObjectMapper} would do the same job, but building it and its serializers
 * for maps of strings and numbers cost the long-running daemon ~350 classes and several MB of its RSS budget.
 *
 * <p>The output is exactly ObjectMapper's for the values written here: maps with keys that are strings,
 * numbers or enums, lists and other iterables, strings, numbers, booleans, enums (their name), null and
 * {@link JsonNode} trees ({@code JsonTest} holds the two side by side). Anything else (a Path, an array, a
 * bean) is handed to an ObjectMapper made on first need, so a rare value costs time, never a different
 * answer. Reading builds the tree {@code ObjectMapper.readTree} builds with its defaults (doubles for
 * decimals), and additionally rejects anything after the one value.
 */
public final class Json {

    private static final JsonFactory FACTORY = new JsonFactory();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private Json() {
    }

    /** {@code value} as one line of UTF-8 JSON (strings have their control characters escaped). */
    public static byte[] write(Object value) {
        if (!isPlain(value)) {
            return Fallback.write(value);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator g = FACTORY.createGenerator(out)) {
            write(g, value);
        } catch (IOException e) {
            throw new UncheckedIOException("writing JSON to memory", e);
        }
        return out.toByteArray();
    }

    /**
     * {@code value} as one line of JSON text. Like ObjectMapper's {@code writeValueAsString}, and unlike the bytes
     * of {@link #write}, characters outside the BMP stay characters rather than {@code \}{@code uD83D...} escapes.
     */
    public static String writeString(Object value) {
        if (!isPlain(value)) {
            return Fallback.writeString(value);
        }
        StringWriter out = new StringWriter(256);
        try (JsonGenerator g = FACTORY.createGenerator(out)) {
            write(g, value);
        } catch (IOException e) {
            throw new UncheckedIOException("writing JSON to memory", e);
        }
        return out.toString();
    }

    /** The one JSON value in {@code bytes[from, to)}; {@link MissingNode} when there is none. */
    public static JsonNode read(byte[] bytes, int from, int to) throws IOException {
        try (JsonParser p = FACTORY.createParser(bytes, from, to - from)) {
            return read(p);
        }
    }

    /** The one JSON value in {@code text}; {@link MissingNode} when there is none. */
    public static JsonNode read(String text) throws IOException {
        try (JsonParser p = FACTORY.createParser(text)) {
            return read(p);
        }
    }

    /**
     * The one JSON value in {@code bytes[from, to)} as plain Java values, for callers that keep Jackson's types out:
     * objects as insertion-ordered {@code Map<String, Object>}, arrays as {@code List<Object>}, strings, numbers as
     * {@link #read} types them ({@code Integer}, {@code Long}, {@code BigInteger}, {@code Double}), booleans, and
     * null (also when there is no value). {@link #write} writes such a value back as the same JSON text.
     */
    public static Object readPlain(byte[] bytes, int from, int to) throws IOException {
        try (JsonParser p = FACTORY.createParser(bytes, from, to - from)) {
            JsonToken first = p.nextToken();
            if (first == null) {
                return null;
            }
            Object value = plain(p, first);
            JsonToken after = p.nextToken();
            if (after != null) {
                throw new JsonParseException(p, "unexpected " + after + " after the JSON value");
            }
            return value;
        }
    }

    private static Object plain(JsonParser p, JsonToken t) throws IOException {
        switch (t) {
            case START_OBJECT -> {
                Map<String, Object> o = new LinkedHashMap<>();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String name = p.currentName();
                    o.put(name, plain(p, p.nextToken()));
                }
                return o;
            }
            case START_ARRAY -> {
                List<Object> a = new ArrayList<>();
                for (JsonToken e = p.nextToken(); e != JsonToken.END_ARRAY; e = p.nextToken()) {
                    a.add(plain(p, e));
                }
                return a;
            }
            case VALUE_STRING -> {
                return p.getText();
            }
            case VALUE_NUMBER_INT -> {
                return switch (p.getNumberType()) {
                    case INT -> Integer.valueOf(p.getIntValue());
                    case LONG -> Long.valueOf(p.getLongValue());
                    default -> p.getBigIntegerValue();
                };
            }
            case VALUE_NUMBER_FLOAT -> {
                return Double.valueOf(p.getDoubleValue());
            }
            case VALUE_TRUE -> {
                return Boolean.TRUE;
            }
            case VALUE_FALSE -> {
                return Boolean.FALSE;
            }
            case VALUE_NULL -> {
                return null;
            }
            default -> throw new JsonParseException(p, "unexpected " + t);
        }
    }

    private static JsonNode read(JsonParser p) throws IOException {
        JsonToken first = p.nextToken();
        if (first == null) {
            return MissingNode.getInstance();
        }
        JsonNode node = node(p, first);
        JsonToken after = p.nextToken();
        if (after != null) {
            throw new JsonParseException(p, "unexpected " + after + " after the JSON value");
        }
        return node;
    }

    private static JsonNode node(JsonParser p, JsonToken t) throws IOException {
        switch (t) {
            case START_OBJECT -> {
                ObjectNode o = NODES.objectNode();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String name = p.currentName();
                    o.replace(name, node(p, p.nextToken()));
                }
                return o;
            }
            case START_ARRAY -> {
                ArrayNode a = NODES.arrayNode();
                for (JsonToken e = p.nextToken(); e != JsonToken.END_ARRAY; e = p.nextToken()) {
                    a.add(node(p, e));
                }
                return a;
            }
            case VALUE_STRING -> {
                return NODES.textNode(p.getText());
            }
            case VALUE_NUMBER_INT -> {
                return switch (p.getNumberType()) {
                    case INT -> NODES.numberNode(p.getIntValue());
                    case LONG -> NODES.numberNode(p.getLongValue());
                    default -> NODES.numberNode(p.getBigIntegerValue());
                };
            }
            case VALUE_NUMBER_FLOAT -> {
                return NODES.numberNode(p.getDoubleValue());
            }
            case VALUE_TRUE -> {
                return NODES.booleanNode(true);
            }
            case VALUE_FALSE -> {
                return NODES.booleanNode(false);
            }
            case VALUE_NULL -> {
                return NODES.nullNode();
            }
            default -> throw new JsonParseException(p, "unexpected " + t);
        }
    }

    /** Whether every part of {@code value} is one the streaming writer writes as ObjectMapper would. */
    private static boolean isPlain(Object value) {
        if (value == null || value instanceof CharSequence || value instanceof Boolean || value instanceof Enum<?>
                || value instanceof JsonNode || isPlainNumber(value)) {
            return true;
        }
        if (value instanceof Map<?, ?> map) {
            for (Map.Entry<?, ?> e : map.entrySet()) {
                Object key = e.getKey();
                if (!(key instanceof String || key instanceof Enum<?> || isPlainNumber(key)) || !isPlain(e.getValue())) {
                    return false;
                }
            }
            return true;
        }
        if (value instanceof Iterable<?> items && !(value instanceof java.nio.file.Path)) {
            for (Object item : items) {
                if (!isPlain(item)) {
                    return false;
                }
            }
            return true;
        }
        return false;
    }

    private static boolean isPlainNumber(Object value) {
        return value instanceof Integer || value instanceof Long || value instanceof Short || value instanceof Byte
                || value instanceof Double || value instanceof Float || value instanceof BigInteger
                || value instanceof BigDecimal;
    }

    private static void write(JsonGenerator g, Object value) throws IOException {
        if (value == null) {
            g.writeNull();
        } else if (value instanceof CharSequence text) {
            g.writeString(text.toString());
        } else if (value instanceof Boolean b) {
            g.writeBoolean(b);
        } else if (value instanceof Enum<?> e) {
            g.writeString(e.name());
        } else if (value instanceof Integer || value instanceof Short || value instanceof Byte) {
            g.writeNumber(((Number) value).intValue());
        } else if (value instanceof Long l) {
            g.writeNumber(l);
        } else if (value instanceof Double d) {
            g.writeNumber(d);
        } else if (value instanceof Float f) {
            g.writeNumber(f);
        } else if (value instanceof BigInteger i) {
            g.writeNumber(i);
        } else if (value instanceof BigDecimal d) {
            g.writeNumber(d);
        } else if (value instanceof JsonNode node) {
            writeNode(g, node);
        } else if (value instanceof Map<?, ?> map) {
            g.writeStartObject();
            for (Map.Entry<?, ?> e : map.entrySet()) {
                g.writeFieldName(e.getKey() instanceof Enum<?> k ? k.name() : String.valueOf(e.getKey()));
                write(g, e.getValue());
            }
            g.writeEndObject();
        } else {
            g.writeStartArray();
            for (Object item : (Iterable<?>) value) {
                write(g, item);
            }
            g.writeEndArray();
        }
    }

    private static void writeNode(JsonGenerator g, JsonNode node) throws IOException {
        switch (node.getNodeType()) {
            case OBJECT -> {
                g.writeStartObject();
                for (Map.Entry<String, JsonNode> e : node.properties()) {
                    g.writeFieldName(e.getKey());
                    writeNode(g, e.getValue());
                }
                g.writeEndObject();
            }
            case ARRAY -> {
                g.writeStartArray();
                for (JsonNode item : node) {
                    writeNode(g, item);
                }
                g.writeEndArray();
            }
            case STRING -> g.writeString(node.textValue());
            case BOOLEAN -> g.writeBoolean(node.booleanValue());
            case NULL, MISSING -> g.writeNull();
            case NUMBER -> {
                switch (node.numberType()) {
                    case INT -> g.writeNumber(node.intValue());
                    case LONG -> g.writeNumber(node.longValue());
                    case BIG_INTEGER -> g.writeNumber(node.bigIntegerValue());
                    case FLOAT -> g.writeNumber(node.floatValue());
                    case BIG_DECIMAL -> g.writeNumber(node.decimalValue());
                    default -> g.writeNumber(node.doubleValue());
                }
            }
            default -> g.writeString(node.asText()); // BINARY and POJO nodes are never built here
        }
    }

    /** ObjectMapper, for the values the streaming writer does not cover; made only if one turns up. */
    private static final class Fallback {
        private static final ObjectMapper MAPPER = new ObjectMapper();

        static byte[] write(Object value) {
            try {
                return MAPPER.writeValueAsBytes(value);
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw cannotWrite(value, e);
            }
        }

        static String writeString(Object value) {
            try {
                return MAPPER.writeValueAsString(value);
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw cannotWrite(value, e);
            }
        }

        private static IllegalArgumentException cannotWrite(Object value, com.fasterxml.jackson.core.JsonProcessingException e) {
            return new IllegalArgumentException("cannot write a " + value.getClass().getName() + " as JSON: "
                    + e.getOriginalMessage(), e);
        }
    }
}
