package dev.glyphsupervisor.reference;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** {@link SearchFront}'s sentences: built in, or read from a file, one per line. */
final class Corpus {

    /** Enough for a demo and small enough to embed in one request per 64 lines at start. */
    static final int MAX_LINES = 10_000;
    /** The runtime's default {@code --max-input-chars}; a longer line would be refused there. */
    static final int MAX_LINE_CHARS = 8192;

    /** A dozen sentences on unrelated topics, so a query's nearest one is plain to see. */
    static final List<String> BUILT_IN = List.of(
            "The GPU ran out of memory while loading the model weights.",
            "A cat sleeps on a warm windowsill in the afternoon sun.",
            "The supervisor restarts the server when its health check fails.",
            "Quarterly revenue rose five percent on strong cloud sales.",
            "Fresh bread tastes best on the day it is baked.",
            "The train to the airport leaves every fifteen minutes.",
            "Embeddings map sentences to vectors so that similar meanings lie close together.",
            "Heavy rain and strong winds are expected along the coast tomorrow.",
            "She practises the violin for an hour every morning before work.",
            "The marathon runners crossed the finish line after three hours.",
            "Log files grow until they are rotated and compressed.",
            "Tomatoes need plenty of sunlight and regular watering to ripen.");

    private Corpus() {
    }

    /** The non-blank lines of {@code file}, trimmed; refused (exit 2) when unreadable, not UTF-8, empty or too big. */
    static List<String> read(Path file) throws UsageException {
        String text;
        try {
            byte[] bytes = Files.readAllBytes(file);
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new UsageException("--corpus " + file + ": not UTF-8 text");
        } catch (IOException e) {
            throw new UsageException("--corpus " + file + ": cannot read it: " + e);
        }
        if (text.startsWith("\uFEFF")) {
            text = text.substring(1); // a byte order mark some editors write
        }
        List<String> lines = new ArrayList<>();
        String[] raw = text.split("\r?\n", -1);
        for (int i = 0; i < raw.length; i++) {
            String line = raw[i].strip();
            if (line.isEmpty()) {
                continue;
            }
            if (line.length() > MAX_LINE_CHARS) {
                throw new UsageException("--corpus " + file + ": line " + (i + 1) + " has " + line.length()
                        + " characters; at most " + MAX_LINE_CHARS + " are allowed");
            }
            lines.add(line);
        }
        if (lines.isEmpty()) {
            throw new UsageException("--corpus " + file + ": no sentences in it (one per line)");
        }
        if (lines.size() > MAX_LINES) {
            throw new UsageException("--corpus " + file + ": " + lines.size() + " sentences; at most " + MAX_LINES);
        }
        return List.copyOf(lines);
    }
}
