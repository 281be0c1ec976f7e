package dev.glyphsupervisor.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * Live processes that carry a state directory's marker, {@code GLYPH_SUPERVISOR_STATE_DIR=<state_dir>}, in
 * their environment: every server a daemon on that state directory launched, and every child of one. Read
 * from /proc here, independently of the daemon's own scan, so that a test does not trust the code it checks.
 */
final class MarkedProcesses {

    static final String MARKER = "GLYPH_SUPERVISOR_STATE_DIR";

    private MarkedProcesses() {
    }

    static List<Long> carrying(Path stateDir) {
        String entry = MARKER + "=" + stateDir;
        return ProcessHandle.allProcesses()
                .filter(p -> environment(p.pid()).contains(entry))
                .map(ProcessHandle::pid)
                .toList();
    }

    private static List<String> environment(long pid) {
        try {
            byte[] env = Files.readAllBytes(Path.of("/proc", Long.toString(pid), "environ"));
            return Arrays.asList(new String(env, StandardCharsets.UTF_8).split("\0"));
        } catch (IOException e) {
            return List.of(); // gone, or not ours to read (the tests run as the user that runs the daemons)
        }
    }
}
