package dev.glyphsupervisor.core;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Why did it not start: the table that names the cause of a failed launch from the last lines it wrote and its exit
 * status. A pure function, so that each rule is tested on real-looking output in microseconds; reading the log is
 * the daemon's business ({@link OutputTail}).
 *
 * <p>The rules, in order:
 * <ol>
 *   <li>killed by SIGKILL (or of an unknown status) while the kernel recorded an OOM kill since the launch:
 *       {@value #OOM_KILLED};</li>
 *   <li>else the last line that some row's pattern finds, the first such row in table order (the user's rows, then
 *       the built-in ones): a traceback ends with its exception, and a root cause written above a later, generic
 *       error ("Engine core initialization failed. See root cause above.") is still found;</li>
 *   <li>else the kernel's OOM record alone (a child killed, the script exiting with its own status);</li>
 *   <li>else the shell's statuses: 127 (not found) is {@value #FILE_NOT_FOUND}, 126 (not executable)
 *       {@value #PERMISSION_DENIED};</li>
 *   <li>else {@value #UNKNOWN}, with the last line written.</li>
 * </ol>
 * Two failures are identical when their {@link Diagnosis#signature()}s are: the cause and the decisive line with its
 * numbers left out (timestamps, pids, sizes), so that another module missing is progress and not the same failure.
 */
public final class FailureCauses {

    public static final String MISSING_MODULE = "missing_module";
    public static final String GPU_OUT_OF_MEMORY = "gpu_out_of_memory";
    public static final String PORT_IN_USE = "port_in_use";
    public static final String CUDA_DRIVER = "cuda_driver";
    public static final String FILE_NOT_FOUND = "file_not_found";
    public static final String PERMISSION_DENIED = "permission_denied";
    public static final String OOM_KILLED = "oom_killed";
    public static final String UNKNOWN = "unknown";

    /**
     * The built-in rows, in the order they are tried on one line: the specific before the general (a missing libcuda
     * is an ImportError, and a file not found, but the driver is what to fix).
     */
    public static final List<FailureCause> BUILT_IN = List.of(
            new FailureCause(CUDA_DRIVER, "(?i)CUDA driver version is insufficient|NVIDIA driver on your system is too old"
                    + "|Found no NVIDIA driver|no CUDA-capable device is detected|No CUDA GPUs are available"
                    + "|CUDA_ERROR_NO_DEVICE|cudaErrorInsufficientDriver|cudaErrorNoDevice|Driver/library version mismatch"
                    + "|couldn't communicate with the NVIDIA driver|libcuda\\.so[.0-9]*: cannot open shared object file"
                    + "|forward compatibility was attempted on non supported HW"
                    + "|unsupported display driver / cuda driver combination"
                    + "|no kernel image is available for execution on the device", false),
            new FailureCause(GPU_OUT_OF_MEMORY, "(?i)CUDA out of memory|torch\\.(cuda\\.)?OutOfMemoryError"
                    + "|No available memory for the cache blocks|larger than the available KV cache memory"
                    + "|CUDA error: out of memory|cudaMalloc failed: out of memory|cudaErrorMemoryAllocation"
                    + "|CUBLAS_STATUS_ALLOC_FAILED", true),
            new FailureCause(PORT_IN_USE, "(?i)address already in use|EADDRINUSE", true),
            new FailureCause(PERMISSION_DENIED, "(?i)permission denied|PermissionError|EACCES|Operation not permitted", false),
            new FailureCause(MISSING_MODULE, "ModuleNotFoundError|ImportError|No module named|cannot import name", false),
            new FailureCause(FILE_NOT_FOUND, "FileNotFoundError|No such file or directory|command not found"
                    + "|does not appear to have a file named|(?i)no such file", false));

    /** Every cause the daemon itself may name, built-in rows and rules alike. */
    public static final List<String> BUILT_IN_NAMES = List.of(MISSING_MODULE, GPU_OUT_OF_MEMORY, PORT_IN_USE, CUDA_DRIVER,
            FILE_NOT_FOUND, PERMISSION_DENIED, OOM_KILLED, UNKNOWN);

    /** The built-in table alone. */
    public static final FailureCauses DEFAULT = new FailureCauses(List.of());

    private static final Map<String, String> WORDS = Map.of(
            MISSING_MODULE, "a Python module or library it imports is not installed",
            GPU_OUT_OF_MEMORY, "the GPU ran out of memory",
            PORT_IN_USE, "a port it binds is already in use",
            CUDA_DRIVER, "CUDA cannot use the GPU: driver and CUDA runtime do not match, or no device is visible",
            FILE_NOT_FOUND, "a file it needs (a script, a model, a program) does not exist",
            PERMISSION_DENIED, "permission denied",
            OOM_KILLED, "the kernel's OOM killer killed it: the host ran out of memory (or the service's memory limit)",
            UNKNOWN, "no known cause in its last lines");

    private static final int SIGKILL_STATUS = 128 + 9;
    /** A decisive line longer than this is cut: it is for reading, and the whole of it is in runtime.log. */
    static final int LINE_CHARS = 1000;
    private static final Pattern DIGITS = Pattern.compile("0x[0-9a-fA-F]+|[0-9]+");

    private final List<FailureCause> rows;

    /** {@code userRows} are tried before the built-in ones, so a user's row may also change a built-in cause's retry. */
    public FailureCauses(List<FailureCause> userRows) {
        List<FailureCause> all = new ArrayList<>(userRows);
        all.addAll(BUILT_IN);
        this.rows = List.copyOf(all);
    }

    public List<FailureCause> rows() {
        return rows;
    }

    /** What a built-in cause means, in words for {@code glyphctl status}; empty for a user's own cause. */
    public static Optional<String> explain(String cause) {
        return Optional.ofNullable(WORDS.get(cause));
    }

    /**
     * The cause of a failure from what the launch wrote and, when it exited, its status (128+N for signal N, -1 when
     * unknown); {@code exitCode} is empty for a launch that is still running (a startup timeout).
     */
    public Diagnosis classify(OutputTail output, OptionalInt exitCode) {
        Objects.requireNonNull(output, "output");
        List<String> lines = output.lines();
        List<String> tail = tail(lines);
        boolean killed = exitCode.isPresent() && (exitCode.getAsInt() == SIGKILL_STATUS || exitCode.getAsInt() == -1);
        if (output.oomKill() != null && killed) {
            return oomKilled(output, tail);
        }
        for (int i = lines.size() - 1; i >= 0; i--) {
            String line = lines.get(i);
            for (FailureCause row : rows) {
                Matcher m = row.pattern().matcher(line);
                if (m.find()) {
                    String decisive = cut(line.strip());
                    return new Diagnosis(row.name(), row.retry(), decisive, signature(row.name(), decisive), tail);
                }
            }
        }
        if (output.oomKill() != null) {
            return oomKilled(output, tail);
        }
        String last = lastLine(lines);
        if (exitCode.isPresent() && exitCode.getAsInt() == 127) {
            return new Diagnosis(FILE_NOT_FOUND, false, last, signature(FILE_NOT_FOUND, "exit 127 " + last), tail);
        }
        if (exitCode.isPresent() && exitCode.getAsInt() == 126) {
            return new Diagnosis(PERMISSION_DENIED, false, last, signature(PERMISSION_DENIED, "exit 126 " + last), tail);
        }
        return new Diagnosis(UNKNOWN, true, last, signature(UNKNOWN, last), tail);
    }

    private static Diagnosis oomKilled(OutputTail output, List<String> tail) {
        return new Diagnosis(OOM_KILLED, true, output.oomKill(), OOM_KILLED, tail);
    }

    private static String signature(String cause, String line) {
        return cause + "|" + (line == null ? "" : DIGITS.matcher(line).replaceAll("#"));
    }

    private static String lastLine(List<String> lines) {
        for (int i = lines.size() - 1; i >= 0; i--) {
            if (!lines.get(i).isBlank()) {
                return cut(lines.get(i).strip());
            }
        }
        return null;
    }

    private static String cut(String line) {
        return line.length() <= LINE_CHARS ? line : line.substring(0, LINE_CHARS) + "…";
    }

    /** The last non-blank lines within {@link Diagnosis#TAIL_LINES} and {@link Diagnosis#TAIL_BYTES} (a newline each). */
    static List<String> tail(List<String> lines) {
        List<String> kept = new ArrayList<>();
        int bytes = 0;
        for (int i = lines.size() - 1; i >= 0 && kept.size() < Diagnosis.TAIL_LINES; i--) {
            String line = lines.get(i);
            if (line.isBlank()) {
                continue;
            }
            int size = line.getBytes(StandardCharsets.UTF_8).length + 1;
            if (bytes + size > Diagnosis.TAIL_BYTES) {
                if (kept.isEmpty()) {
                    kept.add(cutToBytes(line, Diagnosis.TAIL_BYTES - 1)); // one huge line: its beginning
                }
                break;
            }
            bytes += size;
            kept.add(line);
        }
        Collections.reverse(kept);
        return kept;
    }

    private static String cutToBytes(String line, int max) {
        int bytes = 3; // the ellipsis
        int end = 0;
        while (end < line.length()) {
            int cp = line.codePointAt(end);
            int size = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
            if (bytes + size > max) {
                break;
            }
            bytes += size;
            end += Character.charCount(cp);
        }
        return line.substring(0, end) + "…";
    }
}
