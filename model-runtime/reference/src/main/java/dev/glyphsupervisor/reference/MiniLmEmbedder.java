package dev.glyphsupervisor.reference;

import dev.langchain4j.model.embedding.onnx.allminilml6v2q.AllMiniLmL6V2QuantizedEmbeddingModel;
import dev.langchain4j.model.output.Response;
import dev.langchain4j.model.output.TokenUsage;

/**
 * all-MiniLM-L6-v2, quantized, from the langchain4j artifact on Maven Central: the ONNX weights and the
 * tokenizer are resources of that jar, and ONNX Runtime runs them on the CPU. Vectors come back
 * L2-normalized. Inputs longer than the model's 510-token window are split and the parts averaged.
 */
final class MiniLmEmbedder implements Embedder {

    static final String MODEL_ID = "all-minilm-l6-v2-q";
    static final int DIMENSION = 384;

    private final AllMiniLmL6V2QuantizedEmbeddingModel model;

    private MiniLmEmbedder(AllMiniLmL6V2QuantizedEmbeddingModel model) {
        this.model = model;
    }

    /** Reads the weights and starts an ONNX Runtime session: the slow part of starting the server. */
    static MiniLmEmbedder load() {
        OnnxNatives.useStableCopy().ifPresent(reason -> System.err.println(
                "reference-runtime: ONNX Runtime will extract its libraries to a temporary directory: " + reason));
        // A caller-thread executor: each engine worker embeds its own request, so --engine-threads bounds
        // the concurrency instead of langchain4j's own pool growing beside ours.
        MiniLmEmbedder embedder = new MiniLmEmbedder(new AllMiniLmL6V2QuantizedEmbeddingModel(Runnable::run));
        // The weights load in the model class's static initializer; one call also warms the session up,
        // so the first client request after /health says ok is not the slow one.
        embedder.embed("warm up");
        return embedder;
    }

    @Override
    public String modelId() {
        return MODEL_ID;
    }

    @Override
    public int dimension() {
        return DIMENSION;
    }

    @Override
    public Embedding embed(String text) {
        Response<dev.langchain4j.data.embedding.Embedding> response = model.embed(text);
        TokenUsage usage = response.tokenUsage();
        int tokens = usage == null || usage.inputTokenCount() == null ? 0 : usage.inputTokenCount();
        return new Embedding(response.content().vector(), tokens);
    }
}
