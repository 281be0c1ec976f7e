package dev.glyphsupervisor.runtime;

import java.io.File;
import java.io.FileInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The Linux process table, read from {@code /proc}. This is the one place that parses {@code /proc}.
 *
 * <p>A process can exit between listing {@code /proc} and reading its files; such a process is simply
 * left out, which is the right answer for every caller ("is anything of the tree still alive?").
 */
public final class ProcessTable {

    /** A stat line is a few hundred bytes; the comm field is at most 16, so this always holds it whole. */
    private static final int STAT_BUFFER = 1024;

    private static final Path PROC = Path.of("/proc");

    private ProcessTable() {
    }

    /** Every process visible in {@code /proc} now (threads are not listed, only processes). */
    public static List<ProcInfo> snapshot() {
        // java.io rather than NIO paths: a stop scans /proc on the relaunch path, and this way the scan
        // costs ~1.4 ms instead of 4–8 ms for ~70 processes on the 2-core CI VM (the kernel's share is ~1 ms).
        String[] names = new File("/proc").list();
        if (names == null) {
            throw new IllegalStateException("cannot list /proc (this code runs on Linux only)");
        }
        List<ProcInfo> result = new ArrayList<>(names.length);
        byte[] buffer = new byte[STAT_BUFFER];
        for (String name : names) {
            long pid = parsePid(name);
            if (pid > 0) {
                ProcInfo info = read(pid, buffer);
                if (info != null) {
                    result.add(info);
                }
            }
        }
        return result;
    }

    /** The process with this pid, or empty when there is none (a zombie is still returned). */
    public static Optional<ProcInfo> get(long pid) {
        return Optional.ofNullable(read(pid, new byte[STAT_BUFFER]));
    }

    /** Reads and parses /proc/<pid>/stat, or null when the process is gone (or exits while we read). */
    private static ProcInfo read(long pid, byte[] buffer) {
        try (FileInputStream in = new FileInputStream("/proc/" + pid + "/stat")) {
            int length = 0;
            int n;
            while (length < buffer.length && (n = in.read(buffer, length, buffer.length - length)) > 0) {
                length += n;
            }
            return parseStat(buffer, length);
        } catch (IOException e) {
            // FileNotFoundException, or ESRCH when it exits while we read: either way it is gone.
            return null;
        }
    }

    /** The process's argv joined by spaces, or empty when it is gone, a zombie or a kernel thread. */
    public static Optional<String> commandLine(long pid) {
        try {
            byte[] raw = Files.readAllBytes(PROC.resolve(Long.toString(pid)).resolve("cmdline"));
            String line = new String(raw, StandardCharsets.UTF_8).replace('\0', ' ').strip();
            return line.isEmpty() ? Optional.empty() : Optional.of(line);
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /**
     * The value of the environment variable {@code name} that the process was started with (its
     * {@code /proc/<pid>/environ}, fixed at exec), or empty when it has none, is gone, is a zombie or is not ours to
     * read.
     */
    public static Optional<String> environment(long pid, String name) {
        return environ(pid).flatMap(raw -> valueOf(raw, name));
    }

    /**
     * The raw {@code /proc/<pid>/environ} (NUL-separated {@code KEY=VALUE}), or empty when it cannot be read or reads
     * empty, which tells nothing: a kernel thread, a zombie, or a process caught between the two images of an exec.
     */
    static Optional<byte[]> environ(long pid) {
        byte[] raw = environBytes(pid);
        return raw == null || raw.length == 0 ? Optional.empty() : Optional.of(raw);
    }

    /**
     * The raw {@code /proc/<pid>/environ}, empty when it reads empty, or null when it cannot be read at all: another
     * user's process (or one made non-dumpable) when the daemon is not root, or one that is gone.
     */
    static byte[] environBytes(long pid) {
        try (FileInputStream in = new FileInputStream("/proc/" + pid + "/environ")) {
            return in.readAllBytes();
        } catch (IOException e) {
            return null;
        }
    }

    /** The value of {@code name} in a raw environment block. */
    static Optional<String> valueOf(byte[] raw, String name) {
        byte[] key = (name + "=").getBytes(StandardCharsets.UTF_8);
        int start = 0;
        for (int i = 0; i <= raw.length; i++) {
            if (i == raw.length || raw[i] == 0) {
                if (i - start >= key.length && startsWith(raw, start, key)) {
                    return Optional.of(new String(raw, start + key.length, i - start - key.length, StandardCharsets.UTF_8));
                }
                start = i + 1;
            }
        }
        return Optional.empty();
    }

    private static boolean startsWith(byte[] raw, int from, byte[] prefix) {
        for (int j = 0; j < prefix.length; j++) {
            if (raw[from + j] != prefix[j]) {
                return false;
            }
        }
        return true;
    }

    /**
     * Parses one {@code /proc/<pid>/stat} line. The command name sits in parentheses and may itself hold
     * spaces and parentheses, so the fixed fields are read after the last {@code ')'}.
     */
    static ProcInfo parseStat(String line) {
        byte[] bytes = line.getBytes(StandardCharsets.ISO_8859_1);
        return parseStat(bytes, bytes.length);
    }

    /**
     * {@link #parseStat(String)} straight from the bytes read: a scan parses every process of the machine each
     * second, and going through a String and {@code split} made ~50 strings of every line.
     */
    static ProcInfo parseStat(byte[] line, int length) {
        int open = indexOf(line, length, (byte) '(');
        int close = lastIndexOf(line, length, (byte) ')');
        if (open < 0 || close < open) {
            throw new IllegalArgumentException("not a /proc stat line: " + new String(line, 0, length, StandardCharsets.ISO_8859_1));
        }
        long pid = number(line, 0, open, length);
        String comm = new String(line, open + 1, close - open - 1, StandardCharsets.ISO_8859_1);
        // After the ')': " state ppid pgrp session ..." ; field N of proc(5) is the (N - 2)th after it.
        long[] fields = new long[20]; // fields 3 .. 22 (field 3, the state, is a letter: kept as its byte)
        int field = 0;
        int i = close + 1;
        while (field < fields.length) {
            while (i < length && line[i] == ' ') {
                i++;
            }
            if (i >= length || line[i] == '\n') {
                throw new IllegalArgumentException("short /proc stat line: " + new String(line, 0, length, StandardCharsets.ISO_8859_1));
            }
            int end = i;
            while (end < length && line[end] != ' ' && line[end] != '\n') {
                end++;
            }
            fields[field] = field == 0 ? line[i] : number(line, i, end, length);
            field++;
            i = end;
        }
        return new ProcInfo(pid, fields[1], fields[2], fields[3], (char) fields[0], fields[19], comm);
    }

    /** The decimal number in {@code line[from, to)}, trimmed of spaces; a bad one is a bad line. */
    private static long number(byte[] line, int from, int to, int length) {
        while (from < to && line[from] == ' ') {
            from++;
        }
        while (to > from && line[to - 1] == ' ') {
            to--;
        }
        boolean negative = from < to && line[from] == '-';
        int i = negative ? from + 1 : from;
        if (i >= to) {
            throw new IllegalArgumentException("not a number in /proc stat line: " + new String(line, 0, length, StandardCharsets.ISO_8859_1));
        }
        long value = 0;
        for (; i < to; i++) {
            int digit = line[i] - '0';
            if (digit < 0 || digit > 9) {
                throw new IllegalArgumentException("not a number in /proc stat line: " + new String(line, 0, length, StandardCharsets.ISO_8859_1));
            }
            value = value * 10 + digit;
        }
        return negative ? -value : value;
    }

    private static int indexOf(byte[] line, int length, byte b) {
        for (int i = 0; i < length; i++) {
            if (line[i] == b) {
                return i;
            }
        }
        return -1;
    }

    private static int lastIndexOf(byte[] line, int length, byte b) {
        for (int i = length - 1; i >= 0; i--) {
            if (line[i] == b) {
                return i;
            }
        }
        return -1;
    }

    private static long parsePid(String name) {
        for (int i = 0; i < name.length(); i++) {
            if (!Character.isDigit(name.charAt(i))) {
                return -1;
            }
        }
        return name.isEmpty() ? -1 : Long.parseLong(name);
    }
}
