package dev.glyphsupervisor.reference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DiskCacheTest {

    @TempDir
    Path dir;

    @Test
    void anEntryIsOneFileNamedByTheHashAndReadBack() throws Exception {
        DiskCache cache = DiskCache.open(dir.resolve("created/on/open"));
        cache.put("model", "hello", new Embedder.Embedding(new float[] {0.5f, -1f, 2f}, 4));

        List<Path> files = files(cache.dir());
        assertEquals(1, files.size());
        String name = files.get(0).getFileName().toString();
        assertTrue(name.matches("[0-9a-f]{64}\\.vec"), name);
        assertEquals(name.substring(0, 2), files.get(0).getParent().getFileName().toString());
        assertEquals(8 + 3 * 4, Files.size(files.get(0)));

        Embedder.Embedding back = cache.get("model", "hello").orElseThrow();
        assertArrayEquals(new float[] {0.5f, -1f, 2f}, back.vector());
        assertEquals(4, back.tokens());
        assertTrue(cache.get("other-model", "hello").isEmpty(), "the model is part of the key");
        assertTrue(cache.get("model", "hello!").isEmpty());
    }

    @Test
    void aTornFileIsAMissAndIsRewritten() throws Exception {
        DiskCache cache = DiskCache.open(dir);
        cache.put("model", "text", new Embedder.Embedding(new float[] {1f, 2f}, 1));
        Path file = files(dir).get(0);
        Files.write(file, new byte[] {2, 0, 0, 0, 1, 0});
        assertTrue(cache.get("model", "text").isEmpty());

        cache.put("model", "text", new Embedder.Embedding(new float[] {1f, 2f}, 1));
        assertArrayEquals(new float[] {1f, 2f}, cache.get("model", "text").orElseThrow().vector());
        assertEquals(1, files(dir).size(), "no temporary files are left behind");
    }

    @Test
    void anUnwritableDirectoryIsCountedNotThrown() throws Exception {
        DiskCache cache = DiskCache.open(dir);
        // A regular file where the two-character subdirectory should go makes every put under it fail.
        cache.put("model", "x", new Embedder.Embedding(new float[] {1f}, 1));
        Path shard = files(dir).get(0).getParent();
        try (Stream<Path> entries = Files.list(shard)) {
            for (Path entry : entries.toList()) {
                Files.delete(entry);
            }
        }
        Files.delete(shard);
        Files.writeString(shard, "in the way");
        cache.put("model", "x", new Embedder.Embedding(new float[] {1f}, 1));
        assertEquals(1, cache.writeFailures());
    }

    private static List<Path> files(Path root) throws Exception {
        try (Stream<Path> walk = Files.walk(root)) {
            return walk.filter(Files::isRegularFile).toList();
        }
    }
}
