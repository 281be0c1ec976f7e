package dev.glyphsupervisor.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class SignalsTest {

    @RegisterExtension
    final Spawner spawner = new Spawner();

    @Test
    void refusesPidsThatKillWouldReadAsGroupsOrEverything() {
        for (long pid : new long[] {-1, 0, 1}) {
            assertThrows(IllegalArgumentException.class, () -> Signals.kill(pid, Signals.SIGTERM));
            assertThrows(IllegalArgumentException.class, () -> Signals.killGroup(pid, Signals.SIGTERM));
        }
    }

    @Test
    void aMissingProcessIsFalse() throws Exception {
        Spawner.Run run = spawner.launch("true");
        run.exit().get(10, TimeUnit.SECONDS);
        Spawner.await("the exited process to be reaped", () -> ProcessTable.get(run.process().pid()),
                java.util.Optional::isEmpty);
        assertFalse(Signals.kill(run.process().pid(), Signals.SIGTERM));
        assertFalse(Signals.killGroup(run.process().pgid(), Signals.SIGTERM));
    }

    @Test
    void stopAndContinueAGroup() throws Exception {
        Spawner.Run run = spawner.launch("sh", "-c", "sleep 100 & wait");
        Spawner.await("root and sleep", run::memberPids, m -> m.size() == 2);
        assertTrue(Signals.killGroup(run.process().pgid(), Signals.SIGSTOP));
        Spawner.await("all stopped", () -> ProcessTree.members(run.process()),
                m -> m.stream().allMatch(ProcInfo::isStopped));
        assertTrue(Signals.killGroup(run.process().pgid(), Signals.SIGCONT));
        Spawner.await("all running again", () -> ProcessTree.members(run.process()),
                m -> m.stream().noneMatch(ProcInfo::isStopped));
        assertTrue(Signals.kill(run.process().pid(), Signals.SIGTERM));
        assertEquals(128 + Signals.SIGTERM, run.exit().get(10, TimeUnit.SECONDS));
    }
}
