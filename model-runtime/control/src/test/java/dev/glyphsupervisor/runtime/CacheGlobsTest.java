package dev.glyphsupervisor.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class CacheGlobsTest {

    private static final Path HOME = Path.of("/home/alice");

    @ParameterizedTest
    @ValueSource(strings = {
        "/tmp/glyph_*.png",
        "/tmp/gradio/**",
        "/tmp/gradio",
        "/home/alice/.cache/huggingface/**",
        "/var/cache/glyph/*.bin",
        "/tmp/gradio/{a,b}/*.wav",
        "/tmp//gradio/**",
    })
    void accepted(String glob) {
        assertEquals(Optional.empty(), CacheGlobs.unsafeReason(glob, HOME));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "",                     // empty
        "   ",
        "/",                    // the whole file system
        "/**",
        "/*",
        "/*/cache",             // starts at '/'
        "relative/x",           // relative
        "tmp/**",
        "/tmp/**",              // all of a one-segment base
        "/tmp/*",
        "/tmp",                 // the literal /tmp resolves to base '/'
        "/proc/x",              // kernel file systems
        "/sys/fs/cgroup/*",
        "/dev/shm/glyph*",
        "/home/alice",          // home itself or a parent
        "/home/alice/",
        "/home",
        "/home/alice/*",        // all of home's contents
        "/home/alice/**",
        "/home/*",              // matches home by wildcard
        "/home/al*",
        "/home/alice*",
        "/home/**/x.png",       // reaches into home from above
        "/home/*/.cache",
        "/tmp/../home/alice",   // dot segments
        "/tmp/gradio/..",
        "/tmp/./gradio/*",
        "/tmp/gradio/.",
        "/tmp/gradio/[abc",     // not a valid glob
    })
    void refused(String glob) {
        Optional<String> reason = CacheGlobs.unsafeReason(glob, HOME);
        assertTrue(reason.isPresent(), "should refuse '" + glob + "'");
    }

    @Test
    void nullIsRefusedAndNoHomeIsAllowed() {
        assertTrue(CacheGlobs.unsafeReason(null, HOME).isPresent());
        assertEquals(Optional.empty(), CacheGlobs.unsafeReason("/home/alice/.cache/*", null));
        assertTrue(CacheGlobs.unsafeReason("/tmp/**", null).isPresent());
    }

    @Test
    void rootsHomeIsNamedAsTheHomeDirectoryNotAsATopLevelOne() {
        assertEquals(Optional.of("'/root' is the home directory /root or a parent of it"),
                CacheGlobs.unsafeReason("/root", Path.of("/root")));
        assertEquals(Optional.of("'/data' starts at '/'; name a directory below it"),
                CacheGlobs.unsafeReason("/data", Path.of("/root")));
    }

    @Test
    void reasonsNameTheGlob() {
        assertTrue(CacheGlobs.unsafeReason("/tmp/**", HOME).orElseThrow().contains("'/tmp/**'"));
        assertTrue(CacheGlobs.unsafeReason("/home/al*", HOME).orElseThrow().contains("home directory"));
    }

    @Test
    void splitsIntoBaseAndPattern() {
        assertEquals(Path.of("/tmp"), CacheGlobs.baseDirectory("/tmp/glyph_*.png"));
        assertEquals("glyph_*.png", CacheGlobs.pattern("/tmp/glyph_*.png"));
        assertEquals(Path.of("/tmp/gradio"), CacheGlobs.baseDirectory("/tmp/gradio/**"));
        assertEquals("**", CacheGlobs.pattern("/tmp/gradio/**"));
        assertEquals(Path.of("/tmp/a"), CacheGlobs.baseDirectory("/tmp/a/*/b/*.x"));
        assertEquals("*/b/*.x", CacheGlobs.pattern("/tmp/a/*/b/*.x"));
        // A literal last segment is the pattern: the entry itself is what gets removed.
        assertEquals(Path.of("/tmp"), CacheGlobs.baseDirectory("/tmp/gradio"));
        assertEquals("gradio", CacheGlobs.pattern("/tmp/gradio"));
        // Doubled slashes do not shift the pattern.
        assertEquals(Path.of("/tmp/gradio"), CacheGlobs.baseDirectory("/tmp//gradio/**"));
        assertEquals("**", CacheGlobs.pattern("/tmp//gradio/**"));
    }
}
