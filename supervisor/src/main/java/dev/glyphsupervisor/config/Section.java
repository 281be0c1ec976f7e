package dev.glyphsupervisor.config;

import com.fasterxml.jackson.core.JsonToken;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.regex.Pattern;

/**
 * One mapping of the config (the top level, {@code runtime}, {@code probes.http}, ...) read key by key.
 * Every reader reports a bad value to {@link Problems} at the value's location and answers the default
 * instead, so one load finds every problem rather than stopping at the first. Unknown keys are reported
 * when the section is opened.
 */
final class Section {

    /** The smallest positive duration: {@code atLeast(POSITIVE)} reads as "greater than 0". */
    static final Duration POSITIVE = Duration.ofNanos(1);

    private static final Pattern INTEGER = Pattern.compile("[+-]?\\d{1,10}");
    private static final Pattern WHITESPACE = Pattern.compile("\\s+");

    private final YamlNode.Mapping mapping;
    private final String path;
    private final Problems problems;

    Section(YamlNode.Mapping mapping, String path, Problems problems, List<String> allowedKeys) {
        this.mapping = mapping;
        this.path = path;
        this.problems = problems;
        reportUnknownKeys(allowedKeys);
    }

    /** The mapping under {@code key}; when it is absent, an empty one placed here, so its defaults apply. */
    Section section(String key, List<String> allowedKeys) {
        Optional<YamlNode> value = value(key);
        if (value.isPresent() && value.get() instanceof YamlNode.Mapping child) {
            return new Section(child, keyPath(key), problems, allowedKeys);
        }
        value.ifPresent(wrong -> problem(key, "expected a mapping with the keys " + String.join(", ", allowedKeys)
                + ", got " + wrong.describe()));
        return new Section(new YamlNode.Mapping(locationOf(key), Map.of()), keyPath(key), problems, allowedKeys);
    }

    /** The value under {@code key}; a YAML null counts as absent, so {@code port:} with nothing means "no port". */
    Optional<YamlNode> value(String key) {
        YamlNode.Entry entry = mapping.entries().get(key);
        if (entry == null || entry.value() instanceof YamlNode.Scalar scalar && scalar.isNull()) {
            return Optional.empty();
        }
        return Optional.of(entry.value());
    }

    String keyPath(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    /** Where the value was written; for an absent key, where this mapping was (missing keys point there). */
    Location locationOf(String key) {
        YamlNode.Entry entry = mapping.entries().get(key);
        return entry == null ? mapping.location() : entry.value().location();
    }

    void problem(String key, String message) {
        problems.add(locationOf(key), keyPath(key), message);
    }

    void missing(String key, String example) {
        problem(key, "required key is missing (e.g. " + example + ")");
    }

    /**
     * The mappings of the list under {@code key}, each a section of its own ({@code key[i]}); an item that is not a
     * mapping, or a value that is not a list, is reported ({@code what} says what the list holds).
     */
    List<Section> sections(String key, List<String> allowedKeys, String what) {
        Optional<YamlNode> value = value(key);
        if (value.isEmpty()) {
            return List.of();
        }
        if (!(value.get() instanceof YamlNode.Sequence sequence)) {
            problem(key, "expected a list of " + what + ", got " + value.get().describe());
            return List.of();
        }
        List<Section> items = new ArrayList<>();
        for (int i = 0; i < sequence.items().size(); i++) {
            YamlNode item = sequence.items().get(i);
            String itemPath = keyPath(key) + "[" + i + "]";
            if (item instanceof YamlNode.Mapping mapping) {
                items.add(new Section(mapping, itemPath, problems, allowedKeys));
            } else {
                problems.add(item.location(), itemPath, "expected a mapping with the keys " + String.join(", ", allowedKeys)
                        + ", got " + item.describe());
            }
        }
        return items;
    }

    /** {@code true} or {@code false}, as YAML writes them; anything else is reported and answers the default. */
    boolean bool(String key, boolean fallback) {
        Optional<YamlNode> value = value(key);
        if (value.isEmpty()) {
            return fallback;
        }
        if (value.get() instanceof YamlNode.Scalar scalar
                && (scalar.token() == JsonToken.VALUE_TRUE || scalar.token() == JsonToken.VALUE_FALSE)) {
            return scalar.token() == JsonToken.VALUE_TRUE;
        }
        problem(key, "expected true or false, got " + value.get().describe());
        return fallback;
    }

    /** A scalar as text: numbers and booleans are accepted as written ({@code 8000} → "8000"). */
    Optional<String> text(String key) {
        return value(key).flatMap(node -> scalarText(node, keyPath(key)));
    }

    Duration duration(String key, Duration fallback, Duration atLeast) {
        Optional<String> text = text(key);
        if (text.isEmpty()) {
            return fallback;
        }
        try {
            Duration duration = HumanDuration.parse(text.get());
            if (duration.compareTo(atLeast) < 0) {
                problem(key, (atLeast.equals(POSITIVE) ? "must be greater than 0" : "must be at least " + HumanDuration.format(atLeast))
                        + ", got " + text.get());
                return fallback;
            }
            return duration;
        } catch (IllegalArgumentException bad) {
            problem(key, bad.getMessage());
            return fallback;
        }
    }

    long size(String key, long fallback, long atLeast) {
        Optional<String> text = text(key);
        if (text.isEmpty()) {
            return fallback;
        }
        try {
            long bytes = DataSize.parse(text.get());
            if (bytes < atLeast) {
                problem(key, "must be at least " + DataSize.format(atLeast) + ", got " + text.get());
                return fallback;
            }
            return bytes;
        } catch (IllegalArgumentException bad) {
            problem(key, bad.getMessage());
            return fallback;
        }
    }

    int integer(String key, int fallback, int min, int max) {
        OptionalInt value = optionalInteger(key, min, max);
        return value.isPresent() ? value.getAsInt() : fallback;
    }

    OptionalInt optionalInteger(String key, int min, int max) {
        Optional<String> text = text(key);
        if (text.isEmpty()) {
            return OptionalInt.empty();
        }
        String bounds = max == Integer.MAX_VALUE ? "at least " + min : min + ".." + max;
        if (!INTEGER.matcher(text.get()).matches()) {
            problem(key, "expected an integer (" + bounds + "), got " + describeScalar(key));
            return OptionalInt.empty();
        }
        long value = Long.parseLong(text.get());
        if (value < min || value > max) {
            problem(key, "must be " + bounds + ", got " + text.get());
            return OptionalInt.empty();
        }
        return OptionalInt.of((int) value);
    }

    /**
     * A list of scalars, each reported under {@code key[i]} when it is not one. A single string where a list
     * belongs is refused with the list it probably meant, split at spaces, because nothing here runs a shell.
     * Empty when absent or when any item is bad, so that indexes into the answer are indexes into the file.
     */
    Optional<List<String>> stringList(String key) {
        Optional<YamlNode> value = value(key);
        if (value.isEmpty()) {
            return Optional.empty();
        }
        if (value.get() instanceof YamlNode.Scalar scalar) {
            List<String> words = List.of(WHITESPACE.split(scalar.text().strip()));
            problem(key, "expected a list of strings, got " + scalar.describe() + "; write it as a list: "
                    + key + ": [" + String.join(", ", words.stream().map(word -> "\"" + word + "\"").toList()) + "]");
            return Optional.empty();
        }
        if (!(value.get() instanceof YamlNode.Sequence sequence)) {
            problem(key, "expected a list of strings, got " + value.get().describe());
            return Optional.empty();
        }
        List<String> items = new ArrayList<>();
        for (int i = 0; i < sequence.items().size(); i++) {
            YamlNode item = sequence.items().get(i);
            String itemPath = keyPath(key) + "[" + i + "]";
            Optional<String> text = scalarText(item, itemPath);
            if (text.isPresent() && text.get().isEmpty()) {
                problems.add(item.location(), itemPath, "must not be empty");
            } else {
                text.ifPresent(items::add);
            }
        }
        return items.size() == sequence.items().size() ? Optional.of(items) : Optional.empty();
    }

    /** A mapping of names to scalars; each bad entry is reported under {@code key.name}. */
    Map<String, String> stringMap(String key) {
        Map<String, String> result = new LinkedHashMap<>();
        Optional<YamlNode> value = value(key);
        if (value.isEmpty()) {
            return result;
        }
        if (!(value.get() instanceof YamlNode.Mapping map)) {
            problem(key, "expected a mapping of names to values, got " + value.get().describe());
            return result;
        }
        map.entries().forEach((name, entry) -> {
            String entryPath = keyPath(key) + "." + name;
            if (entry.value() instanceof YamlNode.Scalar scalar && scalar.isNull()) {
                problems.add(entry.value().location(), entryPath, "no value; write \"\" for an empty one");
            } else {
                scalarText(entry.value(), entryPath).ifPresent(text -> result.put(name, text));
            }
        });
        return result;
    }

    private Optional<String> scalarText(YamlNode node, String nodePath) {
        if (node instanceof YamlNode.Scalar scalar && !scalar.isNull()) {
            return Optional.of(scalar.text());
        }
        problems.add(node.location(), nodePath, "expected a string, got " + node.describe());
        return Optional.empty();
    }

    private String describeScalar(String key) {
        return value(key).map(YamlNode::describe).orElse("nothing");
    }

    private void reportUnknownKeys(List<String> allowedKeys) {
        mapping.entries().forEach((key, entry) -> {
            if (!allowedKeys.contains(key)) {
                String suggestion = ClosestKey.to(key, allowedKeys).map(closest -> "; did you mean '" + closest + "'?").orElse(";");
                problems.add(entry.keyLocation(), keyPath(key), "unknown key '" + key + "'" + suggestion
                        + " allowed keys here: " + String.join(", ", allowedKeys));
            }
        });
    }
}
