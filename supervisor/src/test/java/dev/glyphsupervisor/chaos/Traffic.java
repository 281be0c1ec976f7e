package dev.glyphsupervisor.chaos;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Light client traffic into the inference lane's reference runtime, all through the run: {@code clients} threads,
 * each sending one-sentence embeddings with a pause between them (a few requests a second, a forward pass each).
 * A hung engine is only a hang to the progress probe while work is pending, so the hang needs clients; and the
 * inference probe is skipped while their requests make progress. A request that fails (the server restarting, a
 * hung engine answering nothing until its stop) is counted and the client goes on.
 */
final class Traffic implements AutoCloseable {

    private final int port;
    private final long pauseMs;
    private final List<Thread> threads = new ArrayList<>();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicLong answered = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private volatile boolean running = true;
    private volatile boolean paused;

    Traffic(int port, int clients, long pauseMs) {
        this.port = port;
        this.pauseMs = pauseMs;
        for (int i = 0; i < clients; i++) {
            Thread t = new Thread(this::client, "chaos-client-" + i);
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
    }

    private void client() {
        while (running) {
            try {
                if (paused) {
                    Thread.sleep(50); // polling the pause flag, not waiting for work
                    continue;
                }
                inFlight.incrementAndGet();
                int status;
                try {
                    status = ReferenceRuntime.sentence(port, Duration.ofSeconds(30));
                } finally {
                    inFlight.decrementAndGet();
                }
                (status == 200 ? answered : failed).incrementAndGet();
                Thread.sleep(pauseMs); // the client's think time
            } catch (InterruptedException e) {
                return;
            } catch (Exception refusedOrReset) {
                failed.incrementAndGet();
                try {
                    Thread.sleep(200); // the server is restarting: try again shortly
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    /** Stops sending and waits (up to {@code timeout}) until no request is in flight; true if none is. */
    boolean pause(Duration timeout) throws InterruptedException {
        paused = true;
        long until = System.currentTimeMillis() + timeout.toMillis();
        while (inFlight.get() > 0 && System.currentTimeMillis() < until) {
            Thread.sleep(20); // polling the clients' in-flight count
        }
        return inFlight.get() == 0;
    }

    void resume() {
        paused = false;
    }

    long answered() {
        return answered.get();
    }

    long failed() {
        return failed.get();
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        for (Thread t : threads) {
            t.interrupt();
        }
        for (Thread t : threads) {
            t.join(5000);
        }
    }

    @Override
    public String toString() {
        return threads.size() + " clients: " + answered() + " answered, " + failed() + " failed or refused";
    }
}
