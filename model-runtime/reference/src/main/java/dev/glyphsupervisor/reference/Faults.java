package dev.glyphsupervisor.reference;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * The faults a test or a demo can put into the engine (through {@code /admin/fault/*}, only with
 * {@code --fault-endpoints}). Every engine worker calls {@link #beforeStep()} before each of its steps, so
 * each fault acts where a real one would: inside the inference workers, not in the HTTP layer, and on all of
 * them at once.
 *
 * <p>A hang is forever, as in production: once armed it blocks every engine worker at its next step and
 * nothing but the process's end (here: {@link #release()} at stop) lets them go; {@link #clear()} leaves it
 * alone.
 */
final class Faults {

    /** The longest extra time per step that {@code slow} accepts: 10 minutes. */
    static final int MAX_STEP_MS = 600_000;

    private volatile boolean hangArmed;
    private volatile boolean hung;
    private volatile boolean error;
    private volatile int stepMs;
    private final CountDownLatch released = new CountDownLatch(1);

    void hang() {
        hangArmed = true;
    }

    void error() {
        error = true;
    }

    void slow(int ms) {
        if (ms < 0 || ms > MAX_STEP_MS) {
            throw new IllegalArgumentException("step_ms " + ms);
        }
        stepMs = ms;
    }

    /** Ends the error and slow faults; a hang, armed or happened, stays. */
    void clear() {
        error = false;
        stepMs = 0;
    }

    /** Whether the engine is blocked in a hang now: at least one worker has reached it (the others will). */
    boolean hung() {
        return hung;
    }

    /**
     * Called by an engine worker before each of its steps: fails it (error), blocks it forever (hang) or delays
     * it (slow). Throws InterruptedException when the server stops under a hang or a slow step.
     */
    void beforeStep() throws InterruptedException {
        if (error) {
            throw new ApiException(500, "engine_error",
                    "the engine failed this request: injected fault (POST /admin/fault/clear ends it)");
        }
        if (hangArmed) {
            hung = true;
            // Deaf to interrupts, as a thread stuck in native code would be; only the stop lets it go.
            boolean interrupted = false;
            while (released.getCount() > 0) {
                try {
                    released.await();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            throw new InterruptedException("released from the hang at stop" + (interrupted ? " (interrupted)" : ""));
        }
        int ms = stepMs;
        if (ms > 0) {
            Thread.sleep(ms);
        }
    }

    /** At stop: lets every hung engine worker go, so an in-process server leaves no thread behind. */
    void release() {
        released.countDown();
    }

    /** What is in force, for the fault endpoints' answers: {"hang":"off|armed|hung","error":false,"step_ms":0}. */
    Map<String, Object> state() {
        Map<String, Object> state = new LinkedHashMap<>();
        state.put("hang", hung ? "hung" : hangArmed ? "armed" : "off");
        state.put("error", error);
        state.put("step_ms", stepMs);
        return state;
    }
}
