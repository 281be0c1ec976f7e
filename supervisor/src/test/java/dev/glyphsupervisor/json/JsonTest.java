package dev.glyphsupervisor.json;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The streaming writer and reader answer exactly as ObjectMapper does, for every kind of value they take. */
class JsonTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    @Test
    void writesWhatObjectMapperWrites() throws Exception {
        Map<String, Object> record = new LinkedHashMap<>();
        record.put("text", "line\nbreak \"quoted\" \u0001 tab\t é ✓ \uD83D\uDE00");
        record.put("int", 42);
        record.put("long", Long.MIN_VALUE);
        record.put("short", (short) -7);
        record.put("byte", (byte) 3);
        record.put("double", 0.1 + 0.2);
        record.put("nan", Double.NaN);
        record.put("infinity", Double.POSITIVE_INFINITY);
        record.put("float", 1.25f);
        record.put("bigint", new BigInteger("123456789012345678901234567890"));
        record.put("bigdec", new BigDecimal("1.50"));
        record.put("true", true);
        record.put("null", null);
        record.put("enum", ChronoUnit.SECONDS);
        record.put("list", List.of(1, "two", List.of(), Map.of()));
        Map<Long, Long> perPid = new TreeMap<>(Map.of(12L, 1L << 40, 7L, 0L));
        record.put("per_pid", perPid);
        record.put("enum_keys", Map.of(ChronoUnit.HOURS, 1));
        record.put("nested", Map.of("a", Map.of("b", List.of(Map.of("c", false)))));
        ObjectNode node = MAPPER.createObjectNode().put("n", 1).put("d", 2.5).put("s", "x").putNull("z");
        node.putArray("a").add(1L << 40).add(new BigInteger("99999999999999999999")).add(new BigDecimal("0.10")).add(1.5f);
        record.put("node", node);
        record.put("empty", "");
        assertEquals(MAPPER.writeValueAsString(record), Json.writeString(record));
        assertArrayEquals(MAPPER.writeValueAsBytes(record), Json.write(record));
    }

    @Test
    void valuesItDoesNotCoverAreStillWrittenAsObjectMapperWritesThem() throws Exception {
        Map<String, Object> record = new LinkedHashMap<>();
        record.put("path", Path.of("/tmp/glyph cache"));
        record.put("array", new int[] {1, 2});
        record.put("char", 'x');
        record.put("list_of_paths", new ArrayList<>(List.of(Path.of("/a"))));
        record.put("beyond_the_bmp", "\uD83D\uDE00");
        assertEquals(MAPPER.writeValueAsString(record), Json.writeString(record));
        assertArrayEquals(MAPPER.writeValueAsBytes(record), Json.write(record));
        for (Object value : record.values()) {
            assertEquals(MAPPER.writeValueAsString(value), Json.writeString(value));
        }
    }

    @Test
    void aValueNothingCanWriteIsAClearError() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Json.write(Map.of("self", new Object())));
        assertTrue(e.getMessage().contains("cannot write a"), e.getMessage());
    }

    @Test
    void readsTheTreeObjectMapperReads() throws Exception {
        String text = "{\"a\":1,\"b\":12345678901,\"c\":123456789012345678901234,\"d\":1.5,\"e\":\"x\\ny\",\"f\":true,"
                + "\"g\":false,\"h\":null,\"i\":[1,[2,{}],{\"j\":[]}],\"a\":2,\"k\":-0.0,\"l\":1e400}";
        JsonNode expected = MAPPER.readTree(text);
        JsonNode actual = Json.read(text);
        assertEquals(expected, actual);
        assertEquals(MAPPER.writeValueAsString(expected), Json.writeString(actual));
        byte[] bytes = ("xx" + text + "yy").getBytes(StandardCharsets.UTF_8);
        assertEquals(expected, Json.read(bytes, 2, bytes.length - 2));
        assertEquals(expected.get("c").getClass(), actual.get("c").getClass());
        assertEquals(expected.get("d").getClass(), actual.get("d").getClass());
    }

    @Test
    void nothingReadsAsMissingAndAnythingAfterTheValueIsRefused() throws Exception {
        assertTrue(Json.read("  ").isMissingNode());
        for (String bad : Arrays.asList("{\"a\":1}{\"b\":2}", "{\"a\":1} x", "[1,2", "{\"a\":", "{\"a\" 1}", "nope")) {
            assertThrows(IOException.class, () -> Json.read(bad), bad);
        }
    }
}
