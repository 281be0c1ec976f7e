package dev.glyphsupervisor.reference;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One file per input: {@code DIR/ab/abcdef….vec}, named by the SHA-256 of the model id and the input,
 * holding the token count and the vector (little-endian: int dimension, int tokens, float[dimension]).
 * It grows with every new input and is never trimmed: clearing it is the supervisor's job, and a
 * relaunch on an empty directory just recomputes. The two-character subdirectories keep any one
 * directory from holding millions of entries.
 */
final class DiskCache implements EmbeddingCache {

    private static final String SUFFIX = ".vec";
    private static final int HEADER_BYTES = 8;

    private final Path dir;
    private final AtomicLong writeFailures = new AtomicLong();

    private DiskCache(Path dir) {
        this.dir = dir;
    }

    /** Creates {@code dir} if needed and checks that it can be written now, not at the first request. */
    static DiskCache open(Path dir) throws IOException {
        Files.createDirectories(dir);
        Path probe = Files.createTempFile(dir, ".probe", ".tmp");
        Files.delete(probe);
        return new DiskCache(dir);
    }

    @Override
    public Optional<Embedder.Embedding> get(String modelId, String input) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(path(modelId, input));
        } catch (IOException e) {
            // Missing (the usual miss) or unreadable: either way the model recomputes it.
            return Optional.empty();
        }
        if (bytes.length < HEADER_BYTES) {
            return Optional.empty();
        }
        ByteBuffer buffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int dimension = buffer.getInt();
        int tokens = buffer.getInt();
        // A file of the wrong length was torn or is not ours: treat it as a miss; the put overwrites it.
        if (dimension <= 0 || bytes.length != HEADER_BYTES + 4L * dimension) {
            return Optional.empty();
        }
        float[] vector = new float[dimension];
        buffer.asFloatBuffer().get(vector);
        return Optional.of(new Embedder.Embedding(vector, tokens));
    }

    @Override
    public void put(String modelId, String input, Embedder.Embedding embedding) {
        float[] vector = embedding.vector();
        ByteBuffer buffer = ByteBuffer.allocate(HEADER_BYTES + 4 * vector.length).order(ByteOrder.LITTLE_ENDIAN);
        buffer.putInt(vector.length).putInt(embedding.tokens());
        buffer.asFloatBuffer().put(vector);
        Path target = path(modelId, input);
        try {
            Files.createDirectories(target.getParent());
            // Write aside, then rename: a reader never sees half a file, even if we are killed mid-write.
            Path temp = Files.createTempFile(target.getParent(), ".put", ".tmp");
            try {
                Files.write(temp, buffer.array());
                moveIntoPlace(temp, target);
            } finally {
                Files.deleteIfExists(temp);
            }
        } catch (IOException e) {
            writeFailures.incrementAndGet();
        }
    }

    private static void moveIntoPlace(Path temp, Path target) throws IOException {
        try {
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    @Override
    public long writeFailures() {
        return writeFailures.get();
    }

    Path dir() {
        return dir;
    }

    private Path path(String modelId, String input) {
        String key = sha256Hex(modelId + '\n' + input);
        return dir.resolve(key.substring(0, 2)).resolve(key + SUFFIX);
    }

    private static String sha256Hex(String text) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(digest.digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
