package dev.glyphsupervisor.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The kernel's OOM-kill count of the daemon's memory cgroup, cgroup v2 and v1, on files laid out as the kernel does. */
class OomKillsTest {

    @TempDir
    Path tmp;

    private Path write(String relative, String text) throws IOException {
        Path file = tmp.resolve(relative);
        Files.createDirectories(file.getParent());
        return Files.writeString(file, text);
    }

    /** With /proc/self/cgroup and the count file laid out as the kernel does, the count read is that file's. */
    private void assertReads(long kills, String selfCgroup, String countFile, String countText) throws IOException {
        Path self = write("proc/self/cgroup", selfCgroup);
        Path source = write(countFile, countText);
        assertEquals(Optional.of(new OomKills.Count(kills, source)), OomKills.read(self, cgroupRoot()));
    }

    private Path cgroupRoot() {
        return tmp.resolve("sys/fs/cgroup");
    }

    @Test
    void cgroupV2MemoryEvents() throws IOException {
        assertReads(2, "0::/system.slice/glyph-supervisor.service\n",
                "sys/fs/cgroup/system.slice/glyph-supervisor.service/memory.events",
                "low 0\nhigh 0\nmax 12\noom 2\noom_kill 2\noom_group_kill 0\n");
    }

    @Test
    void cgroupV2InItsOwnNamespaceIsTheMountsRoot() throws IOException {
        assertReads(0, "0::/\n", "sys/fs/cgroup/memory.events", "oom 0\noom_kill 0\n");
    }

    @Test
    void cgroupV1MemoryControllerOomControl() throws IOException {
        assertReads(5, "9:name=systemd:/\n4:memory:/process_api/0967\n0::/\n",
                "sys/fs/cgroup/memory/process_api/0967/memory.oom_control",
                "oom_kill_disable 0\nunder_oom 0\noom_kill 5\n");
    }

    @Test
    void nothingReadableIsEmpty() throws IOException {
        Path self = write("proc/self/cgroup", "0::/nowhere\n");
        assertEquals(Optional.empty(), OomKills.read(self, cgroupRoot()));
        assertEquals(Optional.empty(), OomKills.read(tmp.resolve("no/such/file"), cgroupRoot()));
    }

    @Test
    void evidenceOnlyWhenTheCountWentUp() {
        Path source = Path.of("/sys/fs/cgroup/x/memory.events");
        Optional<OomKills.Count> before = Optional.of(new OomKills.Count(1, source));
        assertNull(OomKills.evidence(before, Optional.of(new OomKills.Count(1, source))));
        assertNull(OomKills.evidence(Optional.empty(), Optional.of(new OomKills.Count(3, source))));
        assertNull(OomKills.evidence(before, Optional.empty()));
        String words = OomKills.evidence(before, Optional.of(new OomKills.Count(2, source)));
        assertTrue(words.contains("OOM killer") && words.contains("1 -> 2") && words.contains(source.toString()), words);
    }
}
