package dev.glyphsupervisor.reference;

import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.Consumer;

/**
 * Loads the model on its own thread, so the HTTP server listens at once and {@code /health} can say
 * "loading" (503) until the model is ready: a supervisor then tells a slow start from a dead one.
 */
final class ModelLoader {

    private final long startNanos = System.nanoTime();
    private volatile Embedder embedder;
    private volatile long loadMillis;

    /** Starts loading; {@code onFailure} hears about a load that threw (the server cannot serve then). */
    static ModelLoader start(Callable<? extends Embedder> load, Consumer<Throwable> onFailure) {
        ModelLoader loader = new ModelLoader();
        Thread thread = new Thread(() -> {
            try {
                Embedder loaded = load.call();
                loader.loadMillis = (System.nanoTime() - loader.startNanos) / 1_000_000;
                loader.embedder = loaded;
            } catch (Throwable t) {
                onFailure.accept(t);
            }
        }, "model-loader");
        thread.setDaemon(true);
        thread.start();
        return loader;
    }

    Optional<Embedder> ready() {
        return Optional.ofNullable(embedder);
    }

    long elapsedMillis() {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }

    /** How long the load took; meaningful once {@link #ready()} has a value. */
    long loadMillis() {
        return loadMillis;
    }
}
