package dev.glyphsupervisor.reference;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Answers one request's inputs: the disk cache first, the model for the misses, then the history. Each
 * input is one step (a cache hit or a forward pass); the {@link Steps} hook hears before and after each.
 */
final class EmbeddingService {

    /** Called around every step, on the thread that runs the request (the engine's). */
    interface Steps {
        Steps NONE = new Steps() {
        };

        /** Before a step: may delay, block or fail it. */
        default void before() throws InterruptedException {
        }

        /** After a step completed. */
        default void after() {
        }
    }

    /** The vectors in input order, the tokens they cost, and how many came from the cache. */
    record Result(List<float[]> vectors, int tokens, int cacheHits) {
    }

    private final EmbeddingCache cache;
    private final RequestHistory history;

    EmbeddingService(EmbeddingCache cache, RequestHistory history) {
        this.cache = cache;
        this.history = history;
    }

    Result embed(Embedder embedder, List<String> inputs, Steps steps) throws InterruptedException {
        List<float[]> vectors = new ArrayList<>(inputs.size());
        int tokens = 0;
        int hits = 0;
        for (String input : inputs) {
            steps.before();
            Optional<Embedder.Embedding> cached = cache.get(embedder.modelId(), input);
            Embedder.Embedding embedding;
            if (cached.isPresent() && cached.get().vector().length == embedder.dimension()) {
                embedding = cached.get();
                hits++;
            } else {
                embedding = embedder.embed(input);
                cache.put(embedder.modelId(), input, embedding);
            }
            vectors.add(embedding.vector());
            tokens += embedding.tokens();
            steps.after();
        }
        history.record(new RequestHistory.Entry(Instant.now(), embedder.modelId(), inputs, vectors));
        return new Result(vectors, tokens, hits);
    }

    EmbeddingCache cache() {
        return cache;
    }

    RequestHistory history() {
        return history;
    }
}
