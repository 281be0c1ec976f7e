package dev.glyphsupervisor.reference;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;

/**
 * The inference engine: ONE worker thread that takes embedding requests from a bounded queue, in order,
 * and runs each one input at a time; each input (a forward pass or a cache hit) is one step. Like an LLM
 * server's engine loop, it makes "running" (0 or 1) and "waiting" (the queue) mean something, and gives a
 * per-step progress counter that a supervisor can watch for a hang.
 *
 * <p>HTTP threads never wait for it: {@link #submit} returns a future at once and the engine completes it
 * on the {@code replies} executor (the HTTP pool), which writes the answer. So a hung engine holds no HTTP
 * thread and {@code /health} and {@code /metrics} keep answering however many clients wait.
 *
 * <p>The queue is bounded ({@code --max-waiting}): a request that finds it full gets 503 {@code overloaded}
 * at once, so a hung engine with clients that keep sending cannot grow memory without limit. A waiting
 * client gets no timeout from the server (an engine may be legitimately slow); its own timeout applies.
 */
final class Engine {

    private record Job(Embedder embedder, List<String> inputs, CompletableFuture<EmbeddingService.Result> result) {
    }

    private final EmbeddingService service;
    private final Faults faults;
    private final Executor replies;
    private final int maxWaiting;
    private final LinkedBlockingQueue<Job> queue;
    private final EngineMetrics metrics;
    private final Thread worker;
    private final Object lock = new Object();
    private volatile Job current;
    private boolean closed;

    Engine(EmbeddingService service, Faults faults, Executor replies, int maxWaiting, String threadName) {
        this.service = service;
        this.faults = faults;
        this.replies = replies;
        this.maxWaiting = maxWaiting;
        this.queue = new LinkedBlockingQueue<>(maxWaiting);
        this.metrics = new EngineMetrics(() -> current == null ? 0 : 1, queue::size);
        // A daemon thread: a hung engine must never keep the JVM from exiting on SIGTERM.
        this.worker = new Thread(this::loop, threadName);
        worker.setDaemon(true);
        worker.start();
    }

    EngineMetrics metrics() {
        return metrics;
    }

    /** Queues a request; the future completes with its result or fails with an {@link ApiException}. */
    CompletableFuture<EmbeddingService.Result> submit(Embedder embedder, List<String> inputs) {
        Job job = new Job(embedder, List.copyOf(inputs), new CompletableFuture<>());
        synchronized (lock) {
            if (closed) {
                throw new ApiException(503, "unavailable", "the server is stopping");
            }
            if (!queue.offer(job)) {
                throw new ApiException(503, "overloaded", "the engine's queue is full (" + maxWaiting
                        + " requests waiting); retry later");
            }
        }
        return job.result();
    }

    /**
     * Refuses new requests. Those queued still run (the stop's grace bounds them), unless the engine is hung:
     * then nothing queued can ever run, and every waiting client is answered 503 now.
     */
    void stopAccepting() {
        synchronized (lock) {
            closed = true;
        }
        if (faults.hung()) {
            abandon();
        }
    }

    /** Ends the engine: fails what is queued or running with 503 and lets the worker thread go. */
    void abandon() {
        synchronized (lock) {
            closed = true;
        }
        List<Job> left = new ArrayList<>();
        queue.drainTo(left);
        Job running = current;
        if (running != null) {
            left.add(running);
        }
        faults.release();
        worker.interrupt();
        for (Job job : left) {
            fail(job, new ApiException(503, "unavailable", "the server is stopping"));
        }
    }

    private void loop() {
        EmbeddingService.Steps steps = new EmbeddingService.Steps() {
            @Override
            public void before() throws InterruptedException {
                faults.beforeStep();
            }

            @Override
            public void after() {
                metrics.step();
            }
        };
        while (true) {
            Job job;
            try {
                job = queue.take();
            } catch (InterruptedException e) {
                return; // abandoned
            }
            current = job;
            // "running" drops back before the answer goes out, so a client that has its answer sees it.
            try {
                EmbeddingService.Result result = service.embed(job.embedder(), job.inputs(), steps);
                metrics.completed(result.vectors().size(), result.tokens());
                current = null;
                complete(job, result);
            } catch (InterruptedException e) {
                current = null;
                fail(job, new ApiException(503, "unavailable", "the server is stopping"));
                return;
            } catch (ApiException e) {
                current = null;
                fail(job, e);
            } catch (RuntimeException e) {
                // A bug or a model failure on one request: answer 500 and keep serving the others.
                current = null;
                fail(job, new ApiException(500, "internal_error", e.toString()));
            }
        }
    }

    private void complete(Job job, EmbeddingService.Result result) {
        onReplies(() -> job.result().complete(result));
    }

    private void fail(Job job, ApiException e) {
        onReplies(() -> job.result().completeExceptionally(e));
    }

    /** The answer is written on the HTTP pool, so a slow client never stalls the engine. */
    private void onReplies(Runnable completion) {
        try {
            replies.execute(completion);
        } catch (RejectedExecutionException e) {
            completion.run(); // the pool is shut down: the server is gone, nobody writes anyway
        }
    }
}
