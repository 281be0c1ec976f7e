package dev.glyphsupervisor.reference;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.glyphsupervisor.reference.JsonRouter.Reply;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;

/**
 * The runtime's endpoints, each a function from a request body to a {@link Reply}; embeddings go through
 * the {@link Engine} and answer later.
 */
final class Endpoints {

    private final ObjectMapper json;
    private final ModelLoader loader;
    private final EmbeddingService service;
    private final Engine engine;
    private final EmbeddingsRequest.Limits limits;

    Endpoints(ObjectMapper json, ModelLoader loader, EmbeddingService service, Engine engine,
              EmbeddingsRequest.Limits limits) {
        this.json = json;
        this.loader = loader;
        this.service = service;
        this.engine = engine;
        this.limits = limits;
    }

    /** 503 while the model loads, so a supervisor's startup probe waits; 200 once it can embed. */
    Reply health(byte[] ignored) {
        Map<String, Object> body = new LinkedHashMap<>();
        if (loader.ready().isEmpty()) {
            body.put("status", "loading");
            body.put("loading_ms", loader.elapsedMillis());
            return new Reply(503, body, "");
        }
        body.put("status", "ok");
        body.put("model", limits.modelId());
        body.put("dimension", limits.dimension());
        body.put("load_ms", loader.loadMillis());
        body.put("history", service.history().mode());
        body.put("history_entries", service.history().size());
        body.put("cache_write_failures", service.cache().writeFailures());
        return new Reply(200, body, "");
    }

    Reply models(byte[] ignored) {
        Map<String, Object> model = new LinkedHashMap<>();
        model.put("id", limits.modelId());
        model.put("object", "model");
        model.put("created", 0);
        model.put("owned_by", "glyph-supervisor");
        return new Reply(200, Map.of("object", "list", "data", List.of(model)), "");
    }

    /** Prometheus text (or OpenMetrics, by {@code Accept}); never waits for the engine. */
    Reply metrics(JsonRouter.Request request) {
        return engine.metrics().scrape(request.header("Accept"));
    }

    /** Checks and parses here, on the HTTP thread; queues the inputs for the engine and answers when it is done. */
    CompletionStage<Reply> embeddings(JsonRouter.Request http) {
        Embedder embedder = loader.ready().orElseThrow(
                () -> new ApiException(503, "unavailable", "the model is still loading; poll GET /health"));
        EmbeddingsRequest request = EmbeddingsRequest.parse(json, http.body(), limits);
        return engine.submit(embedder, request.inputs()).thenApply(result -> embeddingsReply(embedder, request, result));
    }

    private Reply embeddingsReply(Embedder embedder, EmbeddingsRequest request, EmbeddingService.Result result) {
        List<Map<String, Object>> data = new ArrayList<>(result.vectors().size());
        for (int i = 0; i < result.vectors().size(); i++) {
            float[] vector = result.vectors().get(i);
            Map<String, Object> item = new LinkedHashMap<>();
            item.put("object", "embedding");
            item.put("index", i);
            item.put("embedding", request.base64() ? base64(vector) : vector);
            data.add(item);
        }
        Map<String, Object> reply = new LinkedHashMap<>();
        reply.put("object", "list");
        reply.put("data", data);
        reply.put("model", embedder.modelId());
        reply.put("usage", Map.of("prompt_tokens", result.tokens(), "total_tokens", result.tokens()));
        return new Reply(200, reply, "inputs=" + result.vectors().size() + " cached=" + result.cacheHits());
    }

    /** OpenAI's base64 encoding: the little-endian float32 bytes of the vector. */
    private static String base64(float[] vector) {
        ByteBuffer bytes = ByteBuffer.allocate(4 * vector.length).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asFloatBuffer().put(vector);
        return Base64.getEncoder().encodeToString(bytes.array());
    }
}
