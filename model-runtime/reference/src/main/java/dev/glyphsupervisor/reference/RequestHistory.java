package dev.glyphsupervisor.reference;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

/**
 * The requests served and the vectors returned, kept in memory: the reference runtime's stand-in for
 * Glyph's conversation history, whose unbounded growth is what a memory threshold in the supervisor
 * catches. Off by default. Unbounded, it keeps every input string and every vector, so the process's
 * memory climbs with traffic; with a limit it keeps only the newest requests and stays flat.
 */
final class RequestHistory {

    static final int OFF = 0;
    static final int UNBOUNDED = -1;

    /** One served request, kept whole (inputs and vectors), as a chat history keeps whole messages. */
    record Entry(Instant at, String model, List<String> inputs, List<float[]> vectors) {
    }

    private final int limit;
    private final Deque<Entry> entries = new ArrayDeque<>();
    private long recorded;

    RequestHistory(int limit) {
        if (limit < UNBOUNDED) {
            throw new IllegalArgumentException("history limit " + limit);
        }
        this.limit = limit;
    }

    void record(Entry entry) {
        if (limit == OFF) {
            return;
        }
        synchronized (entries) {
            entries.addLast(entry);
            recorded++;
            if (limit != UNBOUNDED && entries.size() > limit) {
                entries.removeFirst();
            }
        }
    }

    int size() {
        synchronized (entries) {
            return entries.size();
        }
    }

    long recorded() {
        synchronized (entries) {
            return recorded;
        }
    }

    /** "off", "unbounded" or the limit, as the flag spells it. */
    String mode() {
        return limit == OFF ? "off" : limit == UNBOUNDED ? "unbounded" : Integer.toString(limit);
    }
}
