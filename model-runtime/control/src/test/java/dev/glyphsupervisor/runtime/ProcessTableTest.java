package dev.glyphsupervisor.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class ProcessTableTest {

    @RegisterExtension
    final Spawner spawner = new Spawner();

    @Test
    void parsesCommWithSpacesAndParenthesesFromTheLastParen() {
        ProcInfo p = ProcessTable.parseStat("4242 (a) (b c)) T 17 4200 4100 0 -1 4194560 1 0 0 0 3 4 0 0 20 0 1 0 "
                + "987654 1000 200 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 3 0 0 0 0 0\n");
        assertEquals(new ProcInfo(4242, 17, 4200, 4100, 'T', 987654, "a) (b c)"), p);
        assertTrue(p.isStopped());
        assertFalse(p.isZombie());
    }

    @Test
    void refusesWhatIsNotAStatLine() {
        assertThrows(IllegalArgumentException.class, () -> ProcessTable.parseStat("no parens here"));
        assertThrows(IllegalArgumentException.class, () -> ProcessTable.parseStat("1 (x) S 0 1"));
        assertThrows(IllegalArgumentException.class, () -> ProcessTable.parseStat("1 (x) S 0 1 x 0 -1 4194560 1 0 0 0 3 4 0 0 "
                + "20 0 1 0 987654 1000\n"));
    }

    @Test
    void parsesOnlyTheBytesReadOfABuffer() {
        byte[] buffer = new byte[1024];
        java.util.Arrays.fill(buffer, (byte) '9');
        byte[] line = ("77 (py) S 1 77 77 0 -1 4194560 1 0 0 0 3 4 0 0 -2 0 1 0 5555 1000 200\n")
                .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        System.arraycopy(line, 0, buffer, 0, line.length);
        assertEquals(new ProcInfo(77, 1, 77, 77, 'S', 5555, "py"), ProcessTable.parseStat(buffer, line.length));
    }

    @Test
    void zombieStates() {
        assertTrue(new ProcInfo(1, 0, 1, 1, 'Z', 0, "x").isZombie());
        assertTrue(new ProcInfo(1, 0, 1, 1, 'X', 0, "x").isZombie());
        assertTrue(new ProcInfo(1, 0, 1, 1, 't', 0, "x").isStopped());
        assertFalse(new ProcInfo(1, 0, 1, 1, 'S', 0, "x").isStopped());
    }

    @Test
    void readsThisJvm() {
        long self = ProcessHandle.current().pid();
        ProcInfo me = ProcessTable.get(self).orElseThrow();
        assertEquals(self, me.pid());
        assertEquals(ProcessHandle.current().parent().orElseThrow().pid(), me.ppid());
        assertTrue(me.startTicks() > 0);
        assertTrue(ProcessTable.snapshot().stream().anyMatch(p -> p.pid() == self));
        assertTrue(ProcessTable.commandLine(self).orElseThrow().contains("java"));
    }

    @Test
    void aMissingPidIsEmpty() {
        assertTrue(ProcessTable.get(Integer.MAX_VALUE).isEmpty());
        assertTrue(ProcessTable.commandLine(Integer.MAX_VALUE).isEmpty());
    }

    @Test
    void readsARealProcessWhoseNameHoldsSpacesAndParentheses() throws Exception {
        Path odd = spawner.dir().resolve("a) (b c");
        Files.copy(Path.of("/bin/sleep"), odd, StandardCopyOption.COPY_ATTRIBUTES);
        Files.setPosixFilePermissions(odd, PosixFilePermissions.fromString("rwx------"));
        Spawner.Run run = spawner.launch(odd.toString(), "100");
        ProcInfo p = Spawner.await("the renamed sleep to run", () -> ProcessTable.get(run.process().pid()),
                info -> info.isPresent() && info.get().comm().equals("a) (b c")).orElseThrow();
        assertEquals(List.of(run.process().pid(), run.process().pid()), List.of(p.pgid(), p.sid()));
        assertEquals(run.process().startTicks(), p.startTicks());
    }
}
