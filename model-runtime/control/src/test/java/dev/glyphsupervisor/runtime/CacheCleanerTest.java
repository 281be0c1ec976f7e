package dev.glyphsupervisor.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CacheCleanerTest {

    @TempDir
    Path tmp; // e.g. /tmp/junit123: deep enough that CacheGlobs accepts globs below it

    private final CacheCleaner cleaner = new CacheCleaner(Path.of("/home/nobody-here"));

    @Test
    void removesMatchingFilesOnlyAndCountsThem() throws Exception {
        Path a = write(tmp.resolve("cache/a.png"), 10);
        Path b = write(tmp.resolve("cache/b.png"), 20);
        Path keep = write(tmp.resolve("cache/keep.txt"), 5);
        Path nested = write(tmp.resolve("cache/sub/c.png"), 7); // '*' does not cross directories
        Path outside = write(tmp.resolve("other/d.png"), 3);

        CacheReport report = cleaner.clear(List.of(tmp + "/cache/*.png"));

        assertEquals(new CacheReport(2, 0, 30, List.of(), List.of()), report);
        assertFalse(Files.exists(a));
        assertFalse(Files.exists(b));
        assertTrue(Files.exists(keep));
        assertTrue(Files.exists(nested));
        assertTrue(Files.exists(outside));
    }

    @Test
    void doubleStarClearsEverythingBelowTheBaseButNotTheBase() throws Exception {
        write(tmp.resolve("gradio/x.bin"), 100);
        write(tmp.resolve("gradio/d1/y.bin"), 10);
        write(tmp.resolve("gradio/d1/d2/z.bin"), 1);
        Files.createDirectories(tmp.resolve("gradio/empty"));
        Path sibling = write(tmp.resolve("gradio-keep/k.bin"), 4);

        CacheReport report = cleaner.clear(List.of(tmp + "/gradio/**"));

        assertEquals(new CacheReport(3, 3, 111, List.of(), List.of()), report);
        assertTrue(Files.isDirectory(tmp.resolve("gradio")));
        try (var left = Files.list(tmp.resolve("gradio"))) {
            assertEquals(0, left.count());
        }
        assertTrue(Files.exists(sibling));
    }

    @Test
    void aLinkInsideTheBaseIsRemovedButNotFollowed() throws Exception {
        Path target = write(tmp.resolve("precious/data.bin"), 50);
        Path targetDir = tmp.resolve("precious");
        Files.createDirectories(tmp.resolve("cache"));
        Path fileLink = Files.createSymbolicLink(tmp.resolve("cache/file-link"), target);
        Path dirLink = Files.createSymbolicLink(tmp.resolve("cache/dir-link"), targetDir);

        CacheReport report = cleaner.clear(List.of(tmp + "/cache/**"));

        assertEquals(new CacheReport(2, 0, 0, List.of(), List.of()), report);
        assertFalse(Files.exists(fileLink, LinkOption.NOFOLLOW_LINKS));
        assertFalse(Files.exists(dirLink, LinkOption.NOFOLLOW_LINKS));
        assertEquals(50, Files.size(target));
    }

    @Test
    void aBaseThatIsALinkToSomethingUnsafeIsRefused() throws Exception {
        Path link = Files.createSymbolicLink(tmp.resolve("to-root"), Path.of("/"));
        CacheReport report = cleaner.clear(List.of(link + "/*"));
        assertEquals(0, report.files() + report.directories());
        assertEquals(1, report.skipped().size(), report.toString());
        assertTrue(report.skipped().get(0).contains("resolves to /"), report.toString());
    }

    @Test
    void anUnsafeGlobIsSkippedAndReportedWhileOthersRun() throws Exception {
        Path a = write(tmp.resolve("cache/a.png"), 10);
        CacheReport report = cleaner.clear(List.of("/tmp/**", "relative/*.png", tmp + "/cache/*.png"));
        assertEquals(1, report.files());
        assertFalse(Files.exists(a));
        assertEquals(2, report.skipped().size(), report.toString());
        assertTrue(report.skipped().get(0).startsWith("/tmp/**: "), report.toString());
        assertTrue(report.skipped().get(1).startsWith("relative/*.png: "), report.toString());
        assertEquals(List.of(), report.errors());
    }

    @Test
    void theHomeDirectoryIsRefused() throws Exception {
        Path home = Files.createDirectories(tmp.resolve("home/alice"));
        Path file = write(home.resolve("notes.txt"), 3);
        CacheReport report = new CacheCleaner(home).clear(List.of(home + "/*", tmp + "/home/al*"));
        assertEquals(2, report.skipped().size(), report.toString());
        assertTrue(Files.exists(file));
    }

    @Test
    void aMissingBaseClearsNothing() {
        assertEquals(new CacheReport(0, 0, 0, List.of(), List.of()),
                cleaner.clear(List.of(tmp + "/not-yet/*.png", tmp + "/not-yet/**")));
    }

    private static Path write(Path file, int bytes) throws Exception {
        Files.createDirectories(file.getParent());
        return Files.write(file, new byte[bytes]);
    }
}
