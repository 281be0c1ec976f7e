package dev.glyphsupervisor.reference;

/** A loaded model: turns one text into one vector. Implementations are safe to call from many threads. */
interface Embedder {

    /** The id clients name in {@code "model"}, and the cache key's namespace. */
    String modelId();

    int dimension();

    Embedding embed(String text);

    /** A vector and the number of tokens the model read to make it (OpenAI's usage counts tokens). */
    record Embedding(float[] vector, int tokens) {
    }
}
