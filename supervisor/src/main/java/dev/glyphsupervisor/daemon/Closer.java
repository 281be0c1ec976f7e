package dev.glyphsupervisor.daemon;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Objects;
import java.util.logging.Logger;

/**
 * What the daemon has opened, closed in reverse order of opening, each once: a failure to close one is logged
 * and the rest are closed all the same. One resource may be marked to close after all others, whenever it opened
 * (the state_dir lock: released last, so that no second daemon starts beside what this one still holds).
 */
final class Closer implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(Closer.class.getName());

    private record Entry(String what, AutoCloseable resource) {
    }

    private final Deque<Entry> open = new ArrayDeque<>();

    /** Closes {@code resource} before everything opened earlier; {@code what} names it in the log. */
    synchronized void push(String what, AutoCloseable resource) {
        open.push(new Entry(what, Objects.requireNonNull(resource, what)));
    }

    /** Closes {@code resource} after everything else, whenever it opened. */
    synchronized void pushLast(String what, AutoCloseable resource) {
        open.addLast(new Entry(what, Objects.requireNonNull(resource, what)));
    }

    @Override
    public synchronized void close() {
        for (Entry e = open.poll(); e != null; e = open.poll()) {
            try {
                e.resource().close();
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                LOG.warning("closing " + e.what() + ": interrupted");
            } catch (Exception ex) {
                LOG.warning("closing " + e.what() + ": " + Objects.toString(ex.getMessage(), ex.toString()));
            }
        }
    }
}
