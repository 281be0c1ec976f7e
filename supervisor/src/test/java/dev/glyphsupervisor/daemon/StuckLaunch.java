package dev.glyphsupervisor.daemon;

import dev.glyphsupervisor.core.RuntimeControl;
import java.util.concurrent.CountDownLatch;

/** A server whose launch blocks the calling thread (the event loop) until released: a loop stuck in an action. */
final class StuckLaunch implements RuntimeControl {
    final CountDownLatch entered = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);

    @Override
    public long launch(long generation, Listener listener) {
        entered.countDown();
        try {
            release.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 4242;
    }

    @Override
    public StopOutcome stop(long generation, String reason) {
        return new StopOutcome(true, "");
    }

    @Override
    public void clearCaches(long generation) {
    }
}
