package dev.glyphsupervisor.reference;

import java.util.Optional;

/** Where computed vectors are kept between requests (and between runs). */
interface EmbeddingCache {

    /** Used without {@code --cache-dir}: nothing is kept. */
    EmbeddingCache NONE = new EmbeddingCache() {
        @Override
        public Optional<Embedder.Embedding> get(String modelId, String input) {
            return Optional.empty();
        }

        @Override
        public void put(String modelId, String input, Embedder.Embedding embedding) {
        }
    };

    Optional<Embedder.Embedding> get(String modelId, String input);

    void put(String modelId, String input, Embedder.Embedding embedding);

    /** Puts that failed (a full or read-only disk); they cost speed, not answers, so they are counted, not thrown. */
    default long writeFailures() {
        return 0;
    }
}
