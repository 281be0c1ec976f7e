package dev.glyphsupervisor.cli;

import dev.glyphsupervisor.runtime.ProcInfo;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The server's pids for glyphctl probe, from the process table: the listener's whole tree, and nothing else. */
class ServerPidsTest {

    private static ProcInfo p(long pid, long ppid, long pgid, long sid) {
        return new ProcInfo(pid, ppid, pgid, sid, 'S', pid, "p" + pid);
    }

    /** A login shell (sid 100) and this probe (pid 900, a child of the shell). */
    private static final ProcInfo SHELL = p(100, 1, 100, 100);
    private static final ProcInfo PROBE = p(900, 100, 900, 100);
    private static final Set<Long> US = Set.of(900L, 100L, 1L);

    @Test
    void aWorkerListeningFindsItsMasterAndItsSiblings() {
        // uvicorn started from the shell as a job (group 200): master 200, workers 201 and 202; 201 listens
        List<ProcInfo> table = List.of(p(1, 0, 1, 1), SHELL, PROBE, p(200, 100, 200, 100), p(201, 200, 200, 100),
                p(202, 200, 200, 100), p(300, 100, 300, 100));
        assertEquals(Set.of(200L, 201L, 202L), ServerPids.listenerTree(201, table, US));
    }

    @Test
    void aSetsidServerBringsItsSessionEvenWhatLeftItsParent() {
        // launched with setsid (session 400): the API server 400 listens; its EngineCore 401; an orphaned worker 402
        // of the session, re-parented to init
        List<ProcInfo> table = List.of(p(1, 0, 1, 1), SHELL, PROBE, p(400, 1, 400, 400), p(401, 400, 400, 400),
                p(402, 1, 402, 400), p(500, 1, 500, 500));
        assertEquals(Set.of(400L, 401L, 402L), ServerPids.listenerTree(400, table, US));
    }

    /**
     * A script that started the server in the background and runs glyphctl probe beside it: the server shares the
     * script's group, and so does a foreign job the script started. Only the listener's own branch is the server.
     */
    @Test
    void aServerInTheCallersGroupIsOnlyItsOwnBranch() {
        ProcInfo script = p(100, 1, 100, 100);
        ProcInfo probe = p(900, 100, 100, 100);
        List<ProcInfo> table = List.of(p(1, 0, 1, 1), script, probe, p(600, 100, 100, 100), p(601, 600, 100, 100),
                p(700, 100, 100, 100));
        assertEquals(Set.of(600L, 601L), ServerPids.listenerTree(601, table, Set.of(900L, 100L, 1L)));
    }

    @Test
    void aListenerThatIsGoneIsStillNamed() {
        assertEquals(Set.of(42L), ServerPids.listenerTree(42, List.of(SHELL, PROBE), US));
    }
}
