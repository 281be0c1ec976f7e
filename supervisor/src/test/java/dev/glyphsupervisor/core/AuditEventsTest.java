package dev.glyphsupervisor.core;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The audit log is a public contract (glyphctl events, the README, docs/reliability.md): every event is declared
 * once in {@link AuditEvent} with the keys its records carry, listed in the README's audit table with those keys,
 * and no code writes an event by a name of its own. That the records written carry only declared keys is checked as
 * they are made ({@link Action.Audit}, {@code JsonlAuditLog}) whenever assertions are on, as in every test run.
 */
class AuditEventsTest {

    private static final Path ROOT = Path.of(System.getProperty("basedir", "."), "..").toAbsolutePath().normalize();

    /** Keys the README lists inside a value of another key (a device of device_over_limit's devices), not as keys of a record. */
    private static final Set<String> NESTED = Set.of("over_by", "tree_growth");

    /** Each row of the README's "Audit events" table: its backquoted event names → its values column. */
    private static Map<Set<String>, String> readmeRows() throws IOException {
        String text = Files.readString(ROOT.resolve("README.md"));
        int start = text.indexOf("### Audit events");
        assertTrue(start >= 0, "README has an Audit events section");
        Map<Set<String>, String> rows = new LinkedHashMap<>();
        Matcher name = Pattern.compile("`([a-z_]+)`").matcher("");
        for (String line : text.substring(start).split("\n")) {
            if (line.startsWith("## ")) {
                break;
            }
            if (line.startsWith("| `")) {
                String[] cells = line.split("\\|");
                Set<String> names = new TreeSet<>();
                name.reset(cells[1]);
                while (name.find()) {
                    names.add(name.group(1));
                }
                rows.put(names, cells[3]);
            }
        }
        return rows;
    }

    private static Set<String> readmeNames() throws IOException {
        Set<String> names = new TreeSet<>();
        readmeRows().keySet().forEach(names::addAll);
        return names;
    }

    /** The words of a values cell, outside backquotes (those are values, such as reasons, not keys). */
    private static Set<String> words(String cell) {
        Set<String> words = new TreeSet<>();
        Matcher word = Pattern.compile("[a-z][a-z0-9_]*").matcher(cell.replaceAll("`[^`]*`", " "));
        while (word.find()) {
            words.add(word.group());
        }
        return words;
    }

    @Test
    void everyDeclaredEventIsInTheReadmeTableAndEveryRowIsDeclared() throws Exception {
        Set<String> declared = new TreeSet<>();
        for (AuditEvent e : AuditEvent.values()) {
            assertTrue(declared.add(e.wireName()), "declared twice: " + e.wireName());
        }
        assertEquals(readmeNames(), declared);
    }

    @Test
    void theReadmeRowOfEveryEventNamesEveryKeyItDeclares() throws Exception {
        Map<String, Set<String>> missing = new TreeMap<>();
        for (Map.Entry<Set<String>, String> row : readmeRows().entrySet()) {
            Set<String> words = words(row.getValue());
            for (AuditEvent e : AuditEvent.values()) {
                if (row.getKey().contains(e.wireName())) {
                    Set<String> absent = new TreeSet<>(e.keys());
                    absent.removeAll(words);
                    if (!absent.isEmpty()) {
                        missing.put(e.wireName(), absent);
                    }
                }
            }
        }
        assertEquals(Map.of(), missing, "keys declared but not in the README's values column");
    }

    /** A key-like word (one with an underscore) in a row's values must be a key one of its events declares. */
    @Test
    void everyKeyTheReadmeListsIsDeclared() throws Exception {
        Map<String, Set<String>> undeclared = new TreeMap<>();
        for (Map.Entry<Set<String>, String> row : readmeRows().entrySet()) {
            Set<String> keys = new TreeSet<>();
            for (AuditEvent e : AuditEvent.values()) {
                if (row.getKey().contains(e.wireName())) {
                    keys.addAll(e.keys());
                }
            }
            for (String word : words(row.getValue())) {
                if (word.contains("_") && !keys.contains(word) && !NESTED.contains(word)) {
                    undeclared.computeIfAbsent(String.join(" / ", row.getKey()), k -> new TreeSet<>()).add(word);
                }
            }
        }
        assertEquals(Map.of(), undeclared);
    }

    /** Main code names events only through {@link AuditEvent}: a string literal is a name nothing checks. */
    @Test
    void noCodeWritesAnEventByAStringOfItsOwn() throws Exception {
        Pattern written = Pattern.compile("(?:record|Audit)\\(\\s*\"([a-z_]+)\"");
        Set<String> literal = new TreeSet<>();
        try (Stream<Path> files = Files.walk(ROOT.resolve("supervisor/src/main/java"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                Matcher m = written.matcher(Files.readString(f));
                while (m.find()) {
                    literal.add(m.group(1) + " (" + f.getFileName() + ")");
                }
            }
        }
        assertEquals(Set.of(), literal);
    }

    @Test
    void aRecordWithAKeyItsEventDoesNotDeclareIsRefusedWhileTesting() {
        assertTrue(AuditEvent.class.desiredAssertionStatus(), "tests run with assertions on");
        AssertionError e = org.junit.jupiter.api.Assertions.assertThrows(AssertionError.class,
                () -> new Action.Audit(AuditEvent.BACKOFF, 1, Map.of("delay_ms", 1, "dealy_ms", 2)));
        assertTrue(e.getMessage().contains("dealy_ms"), e.getMessage());
    }
}
