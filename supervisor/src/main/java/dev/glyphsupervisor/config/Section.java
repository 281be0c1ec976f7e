package dev.glyphsupervisor.config;

import java.time.Duration;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * One mapping of the config (the top level, {@code runtime}, {@code probes.http}, ...) read key by key.
 * Every reader reports a bad value to {@link Problems} at the value's location and answers the default
 * instead, so one load finds every problem rather than stopping at the first.
 *
 * <p>Each key is named once, in the reader call that reads it: a section records every key its reader asks for
 * (in the order asked), and once the reader is done, those are the keys it allows. Any other key is then reported
 * as unknown, with "did you mean" and the allowed keys, in the report's place of the section's opening.
 */
final class Section {

    /** The smallest positive duration: {@code atLeast(POSITIVE)} reads as "greater than 0". */
    static final Duration POSITIVE = Duration.ofNanos(1);

    private static final Pattern INTEGER = Pattern.compile("[+-]?\\d{1,10}");
    private static final Pattern WHITESPACE = Pattern.compile("\\s+");

    private final YamlNode.Mapping mapping;
    private final String path;
    private final Problems problems;
    /**
     * The {@code defaults} under this mapping (of the servers form), or null: a key this mapping does not have is
     * read from there, and reported under the defaults' own path and location (once, however many servers use it).
     */
    private final Layer defaults;
    /** Every key a reader asked for, in the order asked: the keys this mapping allows. */
    private final Set<String> allowed = new LinkedHashSet<>();

    /** A mapping that stands under another as its defaults, with its own key path ({@code defaults.probes}). */
    record Layer(YamlNode.Mapping mapping, String path) {

        String keyPath(String key) {
            return path.isEmpty() ? key : path + "." + key;
        }
    }

    private Section(YamlNode.Mapping mapping, String path, Problems problems) {
        this(mapping, path, problems, null);
    }

    private Section(YamlNode.Mapping mapping, String path, Problems problems, Layer defaults) {
        this.mapping = mapping;
        this.path = path;
        this.problems = problems;
        this.defaults = defaults;
    }

    /** The top level read by {@code reader}; empty when it is not a mapping (a problem is added). */
    static <T> Optional<T> top(YamlNode root, Problems problems, Function<Section, T> reader) {
        if (!(root instanceof YamlNode.Mapping mapping)) {
            problems.add(root.location(), "", "the top level must be a mapping with the keys "
                    + String.join(", ", keysOf(reader, root.location(), "")) + ", got " + root.describe());
            return Optional.empty();
        }
        return Optional.of(new Section(mapping, "", problems).read(reader));
    }

    private <T> T read(Function<Section, T> reader) {
        Problems.Slot opening = problems.slot();
        T value = reader.apply(this);
        reportUnknown(mapping, path, opening);
        if (defaults != null) {
            reportUnknown(defaults.mapping(), defaults.path(), opening);
        }
        return value;
    }

    private void reportUnknown(YamlNode.Mapping keys, String keysPath, Problems.Slot opening) {
        keys.entries().forEach((key, entry) -> {
            if (!allowed.contains(key)) {
                String suggestion = ClosestKey.to(key, allowed).map(closest -> "; did you mean '" + closest + "'?").orElse(";");
                opening.add(entry.keyLocation(), keysPath.isEmpty() ? key : keysPath + "." + key, "unknown key '" + key + "'"
                        + suggestion + " allowed keys here: " + String.join(", ", allowed));
            }
        });
    }

    /**
     * The keys {@code reader} reads, found by reading an empty mapping, problems unheard: for the message about a
     * value that should have been a mapping and is not, when no mapping was read there.
     */
    private static List<String> keysOf(Function<Section, ?> reader, Location location, String path) {
        Section empty = new Section(new YamlNode.Mapping(location, Map.of()), path, new Problems(Path.of("")));
        reader.apply(empty);
        return List.copyOf(empty.allowed);
    }

    /**
     * The mapping under {@code key}, read by {@code reader}; when it is absent (or not a mapping, which is reported),
     * an empty one placed here, so its defaults apply.
     */
    <T> T section(String key, Function<Section, T> reader) {
        Optional<YamlNode> own = ownValue(key);
        allowed.add(key);
        // What the defaults have under this key: a mapping merges under this one, anything else is reported.
        Optional<YamlNode> layered = defaultsValue(key);
        Layer childDefaults = layered.filter(YamlNode.Mapping.class::isInstance)
                .map(node -> new Layer((YamlNode.Mapping) node, defaults.keyPath(key))).orElse(null);
        Problems.Slot opening = problems.slot();
        Section child = own.isPresent() && own.get() instanceof YamlNode.Mapping mapped
                ? new Section(mapped, ownKeyPath(key), problems, childDefaults)
                : new Section(new YamlNode.Mapping(ownLocationOf(key), Map.of()), ownKeyPath(key), problems, childDefaults);
        T read = child.read(reader);
        own.filter(node -> !(node instanceof YamlNode.Mapping)).ifPresent(wrong -> opening.add(wrong.location(),
                ownKeyPath(key), "expected a mapping with the keys " + String.join(", ", child.allowed) + ", got " + wrong.describe()));
        layered.filter(node -> !(node instanceof YamlNode.Mapping)).ifPresent(wrong -> opening.add(wrong.location(),
                defaults.keyPath(key), "expected a mapping with the keys " + String.join(", ", child.allowed) + ", got "
                        + wrong.describe()));
        return read;
    }

    /** Like {@link #section}, but only when the key is there: absent, the section is off. */
    <T> Optional<T> optionalSection(String key, Function<Section, T> reader) {
        return section(key, Read.IF_PRESENT, reader);
    }

    /** When a section is read. */
    enum Read {
        /** Always; when absent, an empty mapping stands in, so its defaults apply ({@link #section}). */
        ALWAYS,
        /** Only when the key is there ({@link #optionalSection}). */
        IF_PRESENT,
        /** Never: the key is allowed here, its value passed over (neither read nor checked), another reader's. */
        NEVER
    }

    /** The mapping under {@code key} read by {@code reader}, {@code when} says; empty when it was not read. */
    <T> Optional<T> section(String key, Read when, Function<Section, T> reader) {
        return switch (when) {
            case ALWAYS -> Optional.of(section(key, reader));
            case IF_PRESENT -> value(key).isPresent() ? Optional.of(section(key, reader)) : Optional.empty();
            case NEVER -> {
                allowed.add(key);
                yield Optional.empty();
            }
        };
    }

    /**
     * The value under {@code key}; a YAML null counts as absent, so {@code port:} with nothing means "no port".
     * Every reader comes here, so this is where a key becomes one this section allows.
     */
    Optional<YamlNode> value(String key) {
        allowed.add(key);
        return ownValue(key).or(() -> defaultsValue(key));
    }

    /** The value this mapping itself has under {@code key} (a YAML null is none); does not make the key allowed. */
    private Optional<YamlNode> ownValue(String key) {
        return present(mapping.entries().get(key));
    }

    /** The value the defaults of this mapping have under {@code key}, if any. */
    private Optional<YamlNode> defaultsValue(String key) {
        return defaults == null ? Optional.empty() : present(defaults.mapping().entries().get(key));
    }

    private static Optional<YamlNode> present(YamlNode.Entry entry) {
        if (entry == null || entry.value() instanceof YamlNode.Scalar scalar && scalar.isNull()) {
            return Optional.empty();
        }
        return Optional.of(entry.value());
    }

    /**
     * Whether {@code key} is written in this mapping, even with no value ({@code servers:}); unlike the readers,
     * this does not make the key one this section allows.
     */
    boolean written(String key) {
        return mapping.entries().containsKey(key);
    }

    /** Where the key itself was written (a key that is not there: where this mapping was). */
    Location keyLocationOf(String key) {
        YamlNode.Entry entry = mapping.entries().get(key);
        return entry == null ? mapping.location() : entry.keyLocation();
    }

    /**
     * The key path of {@code key} (or of a sub-path that starts with it: {@code env.NAME}, {@code caches[2]}) for a
     * message: under the defaults' path when the value read comes from there.
     */
    String keyPath(String key) {
        int end = firstCut(key);
        String first = key.substring(0, end);
        if (ownValue(first).isEmpty() && defaultsValue(first).isPresent()) {
            return defaults.keyPath(key);
        }
        return ownKeyPath(key);
    }

    private static int firstCut(String key) {
        int dot = key.indexOf('.');
        int bracket = key.indexOf('[');
        int end = key.length();
        if (dot >= 0) {
            end = Math.min(end, dot);
        }
        if (bracket >= 0) {
            end = Math.min(end, bracket);
        }
        return end;
    }

    private String ownKeyPath(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    /** Where the value was written; for an absent key, where this mapping was (missing keys point there). */
    Location locationOf(String key) {
        return ownValue(key).or(() -> defaultsValue(key)).map(YamlNode::location).orElseGet(() -> ownLocationOf(key));
    }

    /** Where this mapping's own value of {@code key} was written, or this mapping when it has none. */
    private Location ownLocationOf(String key) {
        YamlNode.Entry entry = mapping.entries().get(key);
        return entry == null ? mapping.location() : entry.value().location();
    }

    void problem(String key, String message) {
        problems.add(locationOf(key), keyPath(key), message);
    }

    /** A problem at {@code location}, under this section's {@code subPath} ({@code env.NAME}, {@code caches[2]}). */
    void problem(Location location, String subPath, String message) {
        problems.add(location, keyPath(subPath), message);
    }

    void missing(String key, String example) {
        problem(key, "required key is missing (e.g. " + example + ")");
    }

    /** Reported in {@code slot}'s place of the report rather than now. */
    void missing(String key, String example, Problems.Slot slot) {
        slot.add(locationOf(key), keyPath(key), "required key is missing (e.g. " + example + ")");
    }

    /** A place in the report, for a problem worded later (see {@link Problems#slot}). */
    Problems.Slot slot() {
        return problems.slot();
    }

    /** Problems found so far in this load, all sections together. */
    int problemCount() {
        return problems.count();
    }

    /**
     * The mappings of the list under {@code key}, each read by {@code reader} as a section of its own ({@code key[i]});
     * an item that is not a mapping, or a value that is not a list, is reported.
     */
    <T> List<T> sections(String key, Function<Section, T> reader) {
        Optional<YamlNode> value = value(key);
        if (value.isEmpty()) {
            return List.of();
        }
        if (!(value.get() instanceof YamlNode.Sequence sequence)) {
            problem(key, "expected a list of {" + String.join(", ", keysOf(reader, locationOf(key), keyPath(key)))
                    + "} mappings, got " + value.get().describe());
            return List.of();
        }
        List<T> items = new ArrayList<>();
        for (int i = 0; i < sequence.items().size(); i++) {
            YamlNode item = sequence.items().get(i);
            String itemPath = keyPath(key) + "[" + i + "]";
            if (item instanceof YamlNode.Mapping mapping) {
                items.add(new Section(mapping, itemPath, problems).read(reader));
            } else {
                problems.add(item.location(), itemPath, "expected a mapping with the keys "
                        + String.join(", ", keysOf(reader, item.location(), itemPath)) + ", got " + item.describe());
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
                && (scalar.kind() == YamlNode.Scalar.Kind.TRUE || scalar.kind() == YamlNode.Scalar.Kind.FALSE)) {
            return scalar.kind() == YamlNode.Scalar.Kind.TRUE;
        }
        problem(key, "expected true or false, got " + value.get().describe());
        return fallback;
    }

    /** A scalar as text: numbers and booleans are accepted as written ({@code 8000} → "8000"). */
    Optional<String> text(String key) {
        return value(key).flatMap(node -> scalarText(node, keyPath(key)));
    }

    Duration duration(String key, Duration fallback, Duration atLeast) {
        return optionalDuration(key, atLeast).orElse(fallback);
    }

    /** Empty when absent or bad (a bad one is reported). */
    Optional<Duration> optionalDuration(String key, Duration atLeast) {
        return atLeast(key, HumanDuration::parse, atLeast, () -> atLeast.equals(POSITIVE)
                ? "must be greater than 0" : "must be at least " + HumanDuration.format(atLeast));
    }

    long size(String key, long fallback, long atLeast) {
        return optionalSize(key, atLeast).orElse(fallback);
    }

    /** Empty when absent or bad (a bad one is reported). */
    OptionalLong optionalSize(String key, long atLeast) {
        Optional<Long> bytes = atLeast(key, DataSize::parse, atLeast, () -> "must be at least " + DataSize.format(atLeast));
        return bytes.isPresent() ? OptionalLong.of(bytes.get()) : OptionalLong.empty();
    }

    /** A value {@code parse} reads, no smaller than {@code floor}; {@code tooSmall} says so. */
    private <T extends Comparable<T>> Optional<T> atLeast(String key, Function<String, T> parse, T floor,
            Supplier<String> tooSmall) {
        Optional<String> text = text(key);
        if (text.isEmpty()) {
            return Optional.empty();
        }
        try {
            T value = parse.apply(text.get());
            if (value.compareTo(floor) < 0) {
                problem(key, tooSmall.get() + ", got " + text.get());
                return Optional.empty();
            }
            return Optional.of(value);
        } catch (IllegalArgumentException bad) {
            problem(key, bad.getMessage());
            return Optional.empty();
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

    /**
     * A mapping of names to scalars; each bad entry is reported under {@code key.name}. With defaults, theirs come
     * first and this mapping's own entries win (a name keeps the place it first had).
     */
    Map<String, String> stringMap(String key) {
        allowed.add(key);
        Map<String, String> result = new LinkedHashMap<>();
        if (defaults != null) {
            stringMap(defaultsValue(key), defaults.keyPath(key), result);
        }
        stringMap(ownValue(key), ownKeyPath(key), result);
        return result;
    }

    private void stringMap(Optional<YamlNode> value, String mapPath, Map<String, String> result) {
        if (value.isEmpty()) {
            return;
        }
        if (!(value.get() instanceof YamlNode.Mapping map)) {
            problems.add(value.get().location(), mapPath, "expected a mapping of names to values, got " + value.get().describe());
            return;
        }
        map.entries().forEach((name, entry) -> {
            String entryPath = mapPath + "." + name;
            if (entry.value() instanceof YamlNode.Scalar scalar && scalar.isNull()) {
                problems.add(entry.value().location(), entryPath, "no value; write \"\" for an empty one");
            } else {
                scalarText(entry.value(), entryPath).ifPresent(text -> result.put(name, text));
            }
        });
    }

    /**
     * The mapping under {@code key} whose keys are names the user chooses ({@code servers}), each value read by
     * {@code reader} as a section of its own ({@code key.NAME}) over {@code defaults}, in file order. A name is
     * first judged by {@code nameProblem} (a problem is reported at the name, and the entry skipped); an entry
     * with no value reads as an empty mapping. Empty when the key is absent or not a mapping (reported, with
     * {@code expected}).
     */
    <T> Map<String, T> namedSections(String key, Optional<Layer> defaults, Function<String, Optional<String>> nameProblem,
            String expected, java.util.function.BiFunction<String, Section, T> reader) {
        allowed.add(key);
        Map<String, T> read = new LinkedHashMap<>();
        YamlNode.Entry written = mapping.entries().get(key);
        if (written == null) {
            return read;
        }
        if (!(written.value() instanceof YamlNode.Mapping named) || named.entries().isEmpty()) {
            problems.add(written.value().location(), ownKeyPath(key), expected + ", got "
                    + (written.value() instanceof YamlNode.Mapping ? "an empty mapping" : written.value().describe()));
            return read;
        }
        named.entries().forEach((name, entry) -> {
            String namePath = ownKeyPath(key) + "." + name;
            Optional<String> bad = nameProblem.apply(name);
            if (bad.isPresent()) {
                problems.add(entry.keyLocation(), namePath, bad.get());
                return;
            }
            YamlNode value = entry.value();
            if (value instanceof YamlNode.Mapping mapped) {
                read.put(name, new Section(mapped, namePath, problems, defaults.orElse(null)).read(s -> reader.apply(name, s)));
            } else if (value instanceof YamlNode.Scalar scalar && scalar.isNull()) {
                read.put(name, new Section(new YamlNode.Mapping(entry.keyLocation(), Map.of()), namePath, problems,
                        defaults.orElse(null)).read(s -> reader.apply(name, s)));
            } else {
                Problems.Slot opening = problems.slot();
                Section empty = new Section(new YamlNode.Mapping(value.location(), Map.of()), namePath,
                        new Problems(Path.of("")), null);
                empty.read(s -> reader.apply(name, s));
                opening.add(value.location(), namePath, "expected a mapping with the keys " + String.join(", ", empty.allowed)
                        + ", got " + value.describe());
            }
        });
        return read;
    }

    /** The mapping under {@code key} as a layer of defaults for {@link #namedSections}; the key becomes allowed. */
    Optional<Layer> layer(String key) {
        allowed.add(key);
        return ownValue(key).filter(YamlNode.Mapping.class::isInstance)
                .map(node -> new Layer((YamlNode.Mapping) node, ownKeyPath(key)));
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
}
