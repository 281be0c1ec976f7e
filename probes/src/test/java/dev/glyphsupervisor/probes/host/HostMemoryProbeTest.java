package dev.glyphsupervisor.probes.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** HostMemoryProbe against a real child process that holds 100 MiB. */
class HostMemoryProbeTest {

    private final HostMemoryProbe probe = new HostMemoryProbe();

    @Test
    void countsTheResidentMemoryOfTreePidsOnly() throws Exception {
        Process child = startChild();
        long childPid = child.pid();
        long self = ProcessHandle.current().pid();
        try {
            HostReading tree = probe.read(Set.of(childPid));

            assertEquals(HostReading.Status.OK, tree.status(), tree.reason());
            assertEquals(Set.of(childPid), tree.perPidRss().keySet()); // our own JVM is not in the tree
            long childRss = tree.perPidRss().get(childPid);
            assertTrue(childRss >= RssChild.BYTES, "child RSS " + childRss);
            assertEquals(childRss, tree.treeRssBytes());
            assertTrue(tree.totalBytes() > 0 && tree.availableBytes() > 0 && tree.availableBytes() <= tree.totalBytes(),
                    tree.toString());

            HostReading both = probe.read(Set.of(childPid, self));
            assertEquals(both.perPidRss().get(childPid) + both.perPidRss().get(self), both.treeRssBytes());
        } finally {
            child.getOutputStream().close();
            child.waitFor();
        }

        HostReading gone = probe.read(Set.of(childPid));
        assertEquals(Map.of(), gone.perPidRss());
        assertEquals(0, gone.treeRssBytes());
    }

    @Test
    void readsTheResidentFieldOfStatm() {
        byte[] line = "123456 7890 321 12 0 4567 0\n".getBytes(StandardCharsets.US_ASCII);
        assertEquals(7890, HostMemoryProbe.parseResident(line, line.length));
        assertEquals(-1, HostMemoryProbe.parseResident(new byte[0], 0));
        assertEquals(-1, HostMemoryProbe.residentPages(Long.MAX_VALUE / 2), "no such process");
    }

    @Test
    void statmGivesTheFigureOshiGives() {
        long self = ProcessHandle.current().pid();
        long fromOshi = new oshi.SystemInfo().getOperatingSystem().getProcess((int) self).getResidentMemory();
        long fromStatm = probe.read(Set.of(self)).perPidRss().get(self);
        // The same kernel counter (rss pages), read a moment apart by a JVM that allocates meanwhile.
        assertTrue(Math.abs(fromStatm - fromOshi) < 16L << 20, "statm " + fromStatm + " vs OSHI " + fromOshi);
    }

    private static Process startChild() throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        String classes = Path.of(RssChild.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        Process child = new ProcessBuilder(java.toString(), "-Xmx256m", "-XX:+UseSerialGC", "-cp", classes,
                RssChild.class.getName()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
        assertEquals("ready", out.readLine());
        return child;
    }
}
