package dev.glyphsupervisor.runtime;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
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

    private static final Path PROC = Path.of("/proc");

    private ProcessTable() {
    }

    /** Every process visible in {@code /proc} now (threads are not listed, only processes). */
    public static List<ProcInfo> snapshot() {
        List<ProcInfo> result = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(PROC)) {
            for (Path entry : entries) {
                long pid = parsePid(entry.getFileName().toString());
                if (pid > 0) {
                    get(pid).ifPresent(result::add);
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot list /proc (this code runs on Linux only)", e);
        }
        return result;
    }

    /** The process with this pid, or empty when there is none (a zombie is still returned). */
    public static Optional<ProcInfo> get(long pid) {
        try {
            return Optional.of(parseStat(Files.readString(PROC.resolve(Long.toString(pid)).resolve("stat"),
                    StandardCharsets.ISO_8859_1)));
        } catch (IOException e) {
            // NoSuchFileException, or ESRCH when it exits while we read: either way it is gone.
            return Optional.empty();
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
     * Parses one {@code /proc/<pid>/stat} line. The command name sits in parentheses and may itself hold
     * spaces and parentheses, so the fixed fields are read after the last {@code ')'}.
     */
    static ProcInfo parseStat(String line) {
        int open = line.indexOf('(');
        int close = line.lastIndexOf(')');
        if (open < 0 || close < open) {
            throw new IllegalArgumentException("not a /proc stat line: " + line);
        }
        long pid = Long.parseLong(line.substring(0, open).strip());
        String comm = line.substring(open + 1, close);
        // fields[0] is field 3 of proc(5) (state), so field N is fields[N - 3].
        String[] fields = line.substring(close + 1).strip().split(" ");
        if (fields.length < 20) {
            throw new IllegalArgumentException("short /proc stat line: " + line);
        }
        return new ProcInfo(pid, Long.parseLong(fields[1]), Long.parseLong(fields[2]), Long.parseLong(fields[3]),
                fields[0].charAt(0), Long.parseLong(fields[19]), comm);
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
