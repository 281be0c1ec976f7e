package dev.glyphsupervisor.probes.inference;

import com.fasterxml.jackson.core.JsonPointer;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A check on a JSON answer: the node at {@code pointer} (RFC 6901, e.g. {@code /choices/0/message/content})
 * must exist; with {@code equals}, its text must be exactly that; with {@code matches}, the pattern must be
 * found in its text (both, when both are given). A node's text is its value for a string, number,
 * boolean or null ({@code null}), and its JSON for an object or array.
 */
public record JsonExpectation(String pointer, Optional<String> equals, Optional<Pattern> matches) {

    public JsonExpectation {
        Objects.requireNonNull(pointer, "pointer");
        Objects.requireNonNull(equals, "equals");
        Objects.requireNonNull(matches, "matches");
        compile(pointer);
    }

    /** The pointer must exist. */
    public static JsonExpectation exists(String pointer) {
        return new JsonExpectation(pointer, Optional.empty(), Optional.empty());
    }

    JsonPointer compiled() {
        return compile(pointer);
    }

    private static JsonPointer compile(String pointer) {
        if (pointer.isEmpty() || pointer.charAt(0) != '/') {
            throw new IllegalArgumentException("JSON pointer must start with '/', got \"" + pointer + "\"");
        }
        try {
            return JsonPointer.compile(pointer);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("invalid JSON pointer \"" + pointer + "\": " + e.getMessage(), e);
        }
    }
}
