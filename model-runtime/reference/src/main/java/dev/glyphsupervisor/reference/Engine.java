package dev.glyphsupervisor.reference;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;

/**
 * The inference engine: N worker threads ({@code --engine-threads}) that take embedding requests from one
 * bounded queue, in order, and each run a request one input at a time; each input (a forward pass or a cache
 * hit) is one step on its worker. Like an LLM server's engine loop, it makes "running" (0..N requests being
 * worked on) and "waiting" (the queue) mean something, and gives a per-step progress counter that a
 * supervisor can watch for a hang.
 *
 * <p>HTTP threads never wait for it: {@link #submit} returns a future at once and a worker completes it on
 * the {@code replies} executor (the HTTP pool), which writes the answer. So a hung engine holds no HTTP
 * thread and {@code /health} and {@code /metrics} keep answering however many clients wait.
 *
 * <p>The queue is bounded ({@code --max-waiting}): a request that finds it full gets 503 {@code overloaded}
 * at once, so a hung engine with clients that keep sending cannot grow memory without limit. A waiting
 * client gets no timeout from the server (an engine may be legitimately slow); its own timeout applies.
 *
 * <p>The faults act on the whole engine: every worker checks them before each of its steps, so a hang
 * blocks every worker at its next step (running = the requests held, at most N; the rest wait).
 */
final class Engine {

    /** One request; compared by identity (two requests with the same inputs are two jobs). */
    private record Job(Embedder embedder, List<String> inputs, CompletableFuture<EmbeddingService.Result> result) {
        @Override
        public boolean equals(Object other) {
            return this == other;
        }

        @Override
        public int hashCode() {
            return System.identityHashCode(this);
        }
    }

    private final EmbeddingService service;
    private final Faults faults;
    private final Executor replies;
    private final int maxWaiting;
    private final LinkedBlockingQueue<Job> queue;
    private final EngineMetrics metrics;
    private final List<Thread> workers;
    /** The requests the workers are on now; its size is {@code reference_requests_running}. */
    private final Set<Job> running = ConcurrentHashMap.newKeySet();
    private final Object lock = new Object();
    private boolean closed;

    /** Starts {@code threads} workers, named {@code threadName-1} to {@code threadName-N}. */
    Engine(EmbeddingService service, Faults faults, Executor replies, int maxWaiting, int threads,
           String threadName) {
        if (threads < 1) {
            throw new IllegalArgumentException("engine threads " + threads);
        }
        this.service = service;
        this.faults = faults;
        this.replies = replies;
        this.maxWaiting = maxWaiting;
        this.queue = new LinkedBlockingQueue<>(maxWaiting);
        this.metrics = new EngineMetrics(threads, running::size, queue::size);
        List<Thread> started = new ArrayList<>(threads);
        for (int i = 1; i <= threads; i++) {
            // Daemon threads: a hung engine must never keep the JVM from exiting on SIGTERM.
            Thread worker = new Thread(this::loop, threadName + "-" + i);
            worker.setDaemon(true);
            started.add(worker);
        }
        this.workers = List.copyOf(started);
        workers.forEach(Thread::start);
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

    /** Ends the engine: fails what is queued or running with 503 and lets the worker threads go. */
    void abandon() {
        synchronized (lock) {
            closed = true;
        }
        List<Job> left = new ArrayList<>();
        queue.drainTo(left);
        left.addAll(running);
        faults.release();
        workers.forEach(Thread::interrupt);
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
            running.add(job);
            // "running" drops back before the answer goes out, so a client that has its answer sees it.
            try {
                EmbeddingService.Result result = service.embed(job.embedder(), job.inputs(), steps);
                metrics.completed(result.vectors().size(), result.tokens());
                running.remove(job);
                complete(job, result);
            } catch (InterruptedException e) {
                running.remove(job);
                fail(job, new ApiException(503, "unavailable", "the server is stopping"));
                return;
            } catch (ApiException e) {
                running.remove(job);
                fail(job, e);
            } catch (RuntimeException e) {
                // A bug or a model failure on one request: answer 500 and keep serving the others.
                running.remove(job);
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
