package dev.glyphsupervisor.e2e;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A config as YAML text, built key by key ({@code set("runtime.port", "abc")}), that knows the line and column
 * of every key and value it wrote, so that a test can state the loader's exact {@code FILE:LINE:COL: key:}
 * message without counting lines by hand. A value is a scalar written verbatim (a String, which may be a flow
 * collection such as {@code []}), a block sequence (a List of verbatim items) or a nested block mapping.
 */
final class YamlConfig {

    private final Map<String, Object> root = new LinkedHashMap<>();
    /** "LINE:COL" by key path, filled by {@link #render()}: of the value, and of the key. */
    private final Map<String, String> values = new HashMap<>();
    private final Map<String, String> keys = new HashMap<>();

    /** Sets the value at a dotted key path, creating the mappings above it; a key already there keeps its place. */
    YamlConfig set(String path, Object value) {
        String[] parts = path.split("\\.");
        Map<String, Object> map = root;
        for (int i = 0; i < parts.length - 1; i++) {
            map = mapping(map, parts[i]);
        }
        map.put(parts[parts.length - 1], value);
        return this;
    }

    YamlConfig remove(String path) {
        String[] parts = path.split("\\.");
        Map<String, Object> map = root;
        for (int i = 0; i < parts.length - 1; i++) {
            map = mapping(map, parts[i]);
        }
        map.remove(parts[parts.length - 1]);
        return this;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> mapping(Map<String, Object> map, String key) {
        Object child = map.computeIfAbsent(key, k -> new LinkedHashMap<String, Object>());
        if (!(child instanceof Map)) {
            throw new IllegalArgumentException(key + " holds a scalar, not a mapping");
        }
        return (Map<String, Object>) child;
    }

    String render() {
        values.clear();
        keys.clear();
        List<String> lines = new ArrayList<>();
        render(root, 0, "", lines);
        return String.join("\n", lines) + "\n";
    }

    @SuppressWarnings("unchecked")
    private void render(Map<String, Object> map, int indent, String prefix, List<String> lines) {
        String pad = " ".repeat(indent);
        for (Map.Entry<String, Object> e : map.entrySet()) {
            String path = prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey();
            keys.put(path, position(lines.size() + 1, indent));
            if (e.getValue() instanceof Map<?, ?> child) {
                lines.add(pad + e.getKey() + ":");
                values.put(path, position(lines.size() + 1, indent + 2)); // a mapping is where its first key is
                render((Map<String, Object>) child, indent + 2, path, lines);
            } else if (e.getValue() instanceof List<?> items) {
                lines.add(pad + e.getKey() + ":");
                values.put(path, position(lines.size() + 1, indent + 2)); // a block sequence is where its first dash is
                for (int i = 0; i < items.size(); i++) {
                    values.put(path + "[" + i + "]", position(lines.size() + 1, indent + 4));
                    lines.add(pad + "  - " + items.get(i));
                }
            } else {
                values.put(path, position(lines.size() + 1, indent + e.getKey().length() + 2));
                lines.add(pad + e.getKey() + ": " + e.getValue());
            }
        }
    }

    private static String position(int line, int zeroBasedColumn) {
        return line + ":" + (zeroBasedColumn + 1);
    }

    /** "LINE:COL" of the value at this key path (of the first key of the document for ""), as last rendered. */
    String at(String path) {
        if (path.isEmpty()) {
            return "1:1";
        }
        return require(values.get(path), path);
    }

    /** "LINE:COL" of the key itself (where the loader points for an unknown or duplicate key). */
    String atKey(String path) {
        return require(keys.get(path), path);
    }

    private static String require(String position, String path) {
        if (position == null) {
            throw new IllegalArgumentException("no key " + path + " was rendered");
        }
        return position;
    }
}
