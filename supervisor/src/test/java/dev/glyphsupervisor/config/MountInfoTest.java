package dev.glyphsupervisor.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class MountInfoTest {

    /**
     * What a service with ProtectSystem=strict and StateDirectory=/LogsDirectory= sees (lines as systemd 252 left
     * them in the unit's namespace): / read-only, the state and log directories bind mounts of the same device,
     * writable. The JDK's FileStore took both for the read-only / (same device).
     */
    private static final List<String> STRICT_SERVICE = List.of(
            "520 480 0:52 / / ro,nosuid,nodev,relatime shared:250 master:1 - ext4 /dev/vda rw,discard",
            "521 520 0:22 / /proc rw,nosuid,nodev,noexec,relatime shared:251 - proc proc rw",
            "530 520 0:52 /var/lib/glyph-supervisor /var/lib/glyph-supervisor rw,nosuid,nodev,relatime shared:260 master:1 - ext4 /dev/vda rw,discard",
            "531 520 0:52 /var/log/glyph-supervisor /var/log/glyph-supervisor rw,nosuid,nodev,relatime shared:261 master:1 - ext4 /dev/vda rw,discard",
            "532 520 0:60 / /tmp rw,nosuid,nodev shared:262 - tmpfs tmpfs rw,mode=1777",
            "533 520 0:61 / /srv/my\\040models ro,relatime - xfs /dev/vdb rw");

    private static MountInfo on(String path) {
        return MountInfo.of(Path.of(path), STRICT_SERVICE).orElseThrow();
    }

    @Test
    void aWritableBindMountOfTheRootDeviceIsNotTheReadOnlyRoot() {
        assertEquals(new MountInfo(Path.of("/var/lib/glyph-supervisor"), "ext4", false), on("/var/lib/glyph-supervisor"));
        assertEquals(new MountInfo(Path.of("/var/log/glyph-supervisor"), "ext4", false), on("/var/log/glyph-supervisor/audit"));
        assertEquals(new MountInfo(Path.of("/"), "ext4", true), on("/var/lib"));
        assertEquals(new MountInfo(Path.of("/"), "ext4", true), on("/var/lib/glyph-supervisor-old"), "a prefix of the name is not a parent");
    }

    @Test
    void typeAndFlagsComeFromTheMountTheDeepestPrefixNames() {
        assertEquals(new MountInfo(Path.of("/proc"), "proc", false), on("/proc/self"));
        assertEquals(new MountInfo(Path.of("/tmp"), "tmpfs", false), on("/tmp/x"));
        assertEquals(new MountInfo(Path.of("/srv/my models"), "xfs", true), on("/srv/my models/glyph"), "\\040 is a space");
    }

    @Test
    void aMountStackedOnTheSameMountPointWins() {
        List<String> stacked = List.of(
                "1 0 0:1 / / rw - ext4 /dev/vda rw",
                "2 1 0:2 / /data rw - ext4 /dev/vdb rw",
                "3 1 0:3 / /data ro - squashfs /dev/loop0 ro");
        assertEquals(Optional.of(new MountInfo(Path.of("/data"), "squashfs", true)), MountInfo.of(Path.of("/data/x"), stacked));
    }

    @Test
    void aFileSystemMountedReadOnlyIsReadOnlyWhateverTheMountSays() {
        List<String> table = List.of("1 0 0:1 / / rw - ext4 /dev/vda ro,errors=remount-ro");
        assertEquals(true, MountInfo.of(Path.of("/etc"), table).orElseThrow().readOnly());
    }

    @Test
    void unescapesOctalAndLeavesUtf8Alone() {
        assertEquals("/root/界面 推理\\x", MountInfo.unescape("/root/界面\\040推理\\134x"));
    }
}
