package dev.glyphsupervisor.daemon;

import dev.glyphsupervisor.runtime.ProcInfo;
import dev.glyphsupervisor.runtime.ProcessTree;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** The server a daemon on {@code state_dir} recorded (runtime.json), for {@code glyphctl probe}, which runs without it. */
public final class RecordedServer {

    private RecordedServer() {
    }

    /**
     * The recorded server's whole tree, found as the daemon finds it (session, group, descendants, the state
     * directory's marker), or empty when nothing is recorded.
     */
    public static Optional<List<ProcInfo>> tree(Path stateDir) {
        return ServerRecord.read(stateDir).map(r -> ProcessTree.members(r.process(stateDir.toString())));
    }
}
