package dev.glyphsupervisor.runtime;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The last lines one launch wrote to the server's log, read from the end without loading the log whole: the log is
 * appended to by every generation and rotated by size ({@link RuntimeLog#rotateIfLarger}: copied to
 * {@code <log>.1}, then truncated), so only what was written after the launch's offset counts, across the rotations
 * since. Lines are cleaned for reading: terminal colours and control characters removed, a progress bar redrawn
 * with {@code \r} reduced to its last state, blank lines dropped.
 */
public final class RuntimeLogTail {

    /** CSI (colours, cursor moves), OSC (titles, links) and two-character escape sequences. */
    private static final Pattern ESCAPES = Pattern.compile(
            "\u001B\\[[0-?]*[ -/]*[@-~]|\u001B\\][^\u0007\u001B]*(\u0007|\u001B\\\\)?|\u001B[@-Z\\\\-_]");
    private static final Pattern CONTROLS = Pattern.compile("[\u0000-\u0008\u000B-\u001F\u007F]");

    /**
     * Secrets a server may print (a token in an environment dump, credentials in a URL, an API key in an error): the
     * lines go into the audit log, which never holds secrets, so their values are masked. Hugging Face and OpenAI-style
     * keys, bearer tokens, user:password@ in URLs, and the value after a key named like a secret.
     */
    private static final List<Masking> SECRETS = List.of(
            new Masking(Pattern.compile("\\bhf_[A-Za-z0-9]{20,}"), "hf_***"),
            new Masking(Pattern.compile("\\bsk-[A-Za-z0-9_-]{16,}"), "sk-***"),
            new Masking(Pattern.compile("(?i)(bearer\\s+)[A-Za-z0-9._~+/=-]{6,}"), "$1***"),
            new Masking(Pattern.compile("://[^/\\s:@]+:[^/\\s@]+@"), "://***@"),
            new Masking(Pattern.compile("(?i)((?:token|password|passwd|secret|api[_-]?key|access[_-]?key)['\"]?\\s*[=:]\\s*['\"]?)"
                    + "(?!\\*\\*\\*)[^\\s'\",;}]+"), "$1***"));

    private record Masking(Pattern pattern, String replacement) {
    }

    private RuntimeLogTail() {
    }

    /**
     * At most {@code maxLines} lines from the last {@code maxBytes} bytes written since {@code start}, the log's size
     * when the launch happened, across {@code rotations} rotations since then: with none, the log from {@code start};
     * with one, the rotated copy from {@code start}, then the log; with more, the rotated copy (all of it this launch's,
     * the copies before it lost), then the log. A log shorter than {@code start} was truncated by someone else and is
     * read from its beginning. An unreadable or missing file reads as nothing.
     */
    public static List<String> read(Path log, long start, int rotations, int maxBytes, int maxLines) {
        Path rotated = log.resolveSibling(log.getFileName() + ".1");
        long size = size(log);
        List<long[]> ranges = new ArrayList<>(); // {which (0 rotated, 1 log), from, to}
        if (rotations == 0) {
            ranges.add(new long[] {1, size < start ? 0 : start, size});
        } else {
            long rotatedSize = size(rotated);
            long from = rotations == 1 && rotatedSize >= start ? start : 0;
            ranges.add(new long[] {0, from, rotatedSize});
            ranges.add(new long[] {1, 0, size});
        }
        // From the end backwards, within the budget; "whole" while nothing before what was read belongs to the launch.
        List<byte[]> chunks = new ArrayList<>();
        long budget = maxBytes;
        boolean whole = true;
        for (int i = ranges.size() - 1; i >= 0; i--) {
            long[] r = ranges.get(i);
            if (budget <= 0) {
                whole &= r[2] <= r[1];
                continue;
            }
            long from = Math.max(r[1], r[2] - budget);
            whole &= from == r[1];
            byte[] bytes = readRange(r[0] == 0 ? rotated : log, from, r[2]);
            budget -= bytes.length;
            chunks.add(0, bytes);
        }
        int total = chunks.stream().mapToInt(b -> b.length).sum();
        ByteBuffer joined = ByteBuffer.allocate(total);
        chunks.forEach(joined::put);
        String text = new String(joined.array(), StandardCharsets.UTF_8);
        if (!whole) {
            int newline = text.indexOf('\n');
            text = newline < 0 ? "" : text.substring(newline + 1); // a half line (or character) in front
        }
        List<String> lines = new ArrayList<>();
        for (String raw : text.split("\n", -1)) {
            String line = clean(raw);
            if (!line.isBlank()) {
                lines.add(line);
            }
        }
        return lines.size() <= maxLines ? lines : List.copyOf(lines.subList(lines.size() - maxLines, lines.size()));
    }

    /** A line as a terminal would have shown it last: the text after the last carriage return that has any. */
    static String clean(String raw) {
        String line = raw.endsWith("\r") ? raw.substring(0, raw.length() - 1) : raw;
        int cr = line.lastIndexOf('\r');
        while (cr >= 0 && line.substring(cr + 1).isBlank()) {
            line = line.substring(0, cr);
            cr = line.lastIndexOf('\r');
        }
        if (cr >= 0) {
            line = line.substring(cr + 1);
        }
        line = ESCAPES.matcher(line).replaceAll("");
        line = line.replace('\t', ' ');
        line = CONTROLS.matcher(line).replaceAll("").stripTrailing();
        for (Masking m : SECRETS) {
            line = m.pattern().matcher(line).replaceAll(m.replacement());
        }
        return line;
    }

    private static long size(Path file) {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            return channel.size();
        } catch (IOException e) {
            return 0;
        }
    }

    private static byte[] readRange(Path file, long from, long to) {
        if (to <= from) {
            return new byte[0];
        }
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long end = Math.min(to, channel.size()); // it may have been truncated meanwhile
            if (end <= from) {
                return new byte[0];
            }
            ByteBuffer buffer = ByteBuffer.allocate((int) (end - from));
            while (buffer.hasRemaining() && channel.read(buffer, from + buffer.position()) > 0) {
                // read until full or at the end
            }
            byte[] bytes = new byte[buffer.position()];
            buffer.flip().get(bytes);
            return bytes;
        } catch (NoSuchFileException e) {
            return new byte[0];
        } catch (IOException e) {
            return new byte[0];
        }
    }
}
