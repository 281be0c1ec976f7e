package dev.glyphsupervisor.chaos;

import dev.glyphsupervisor.runtime.ProcInfo;
import dev.glyphsupervisor.runtime.ProcessTable;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Every live server process on the machine, by the state directory in its environment (the daemon puts
 * {@code GLYPH_SUPERVISOR_STATE_DIR} into every server it launches, and workers inherit it) and then by
 * session: one session is one server tree. Zombies are dead and excluded.
 */
final class ServerTrees {

    static final String MARKER = "GLYPH_SUPERVISOR_STATE_DIR=";

    private ServerTrees() {
    }

    /** state dir → session id → processes. */
    static Map<String, Map<Long, List<ProcInfo>>> scan() {
        Map<String, Map<Long, List<ProcInfo>>> byDir = new HashMap<>();
        for (ProcInfo p : ProcessTable.snapshot()) {
            if (p.isZombie()) {
                continue;
            }
            String dir = stateDirOf(p.pid());
            if (dir != null) {
                byDir.computeIfAbsent(dir, k -> new TreeMap<>()).computeIfAbsent(p.sid(), k -> new ArrayList<>()).add(p);
            }
        }
        return byDir;
    }

    /** The trees of one state directory. */
    static Map<Long, List<ProcInfo>> of(Path stateDir) {
        return scan().getOrDefault(stateDir.toString(), Map.of());
    }

    private static String stateDirOf(long pid) {
        byte[] env;
        try {
            env = Files.readAllBytes(Path.of("/proc", Long.toString(pid), "environ"));
        } catch (IOException goneOrNotOurs) {
            return null;
        }
        for (String entry : new String(env, StandardCharsets.UTF_8).split("\0")) {
            if (entry.startsWith(MARKER)) {
                return entry.substring(MARKER.length());
            }
        }
        return null;
    }
}
