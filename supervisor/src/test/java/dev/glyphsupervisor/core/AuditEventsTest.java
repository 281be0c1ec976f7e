package dev.glyphsupervisor.core;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The audit log is a public contract (glyphctl events, the README, docs/reliability.md): every event is declared
 * once in {@link AuditEvents}, listed in the README's audit table, and no code writes an event the table lacks.
 */
class AuditEventsTest {

    private static final Path ROOT = Path.of(System.getProperty("basedir", "."), "..").toAbsolutePath().normalize();

    private static Set<String> declared() throws IllegalAccessException {
        Set<String> names = new TreeSet<>();
        for (Field f : AuditEvents.class.getFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getType() == String.class) {
                assertTrue(names.add((String) f.get(null)), "declared twice: " + f.get(null));
            }
        }
        return names;
    }

    /** The backquoted names in the first column of the README's "Audit events" table. */
    private static Set<String> readme() throws IOException {
        String text = Files.readString(ROOT.resolve("README.md"));
        int start = text.indexOf("### Audit events");
        assertTrue(start >= 0, "README has an Audit events section");
        Set<String> names = new TreeSet<>();
        Matcher name = Pattern.compile("`([a-z_]+)`").matcher("");
        for (String line : text.substring(start).split("\n")) {
            if (line.startsWith("## ")) {
                break;
            }
            if (line.startsWith("| `")) {
                name.reset(line.split("\\|")[1]);
                while (name.find()) {
                    names.add(name.group(1));
                }
            }
        }
        return names;
    }

    @Test
    void everyDeclaredEventIsInTheReadmeTableAndEveryRowIsDeclared() throws Exception {
        assertEquals(readme(), declared());
    }

    /** Events still written as literals (older code) must be events the table lists. */
    @Test
    void noCodeWritesAnEventTheTableLacks() throws Exception {
        Set<String> listed = readme();
        Pattern written = Pattern.compile("(?:record|Audit)\\(\\s*\"([a-z_]+)\"");
        Set<String> unlisted = new TreeSet<>();
        try (Stream<Path> files = Files.walk(ROOT.resolve("supervisor/src/main/java"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                Matcher m = written.matcher(Files.readString(f));
                while (m.find()) {
                    if (!listed.contains(m.group(1))) {
                        unlisted.add(m.group(1) + " (" + f.getFileName() + ")");
                    }
                }
            }
        }
        assertEquals(Set.of(), unlisted);
    }
}
