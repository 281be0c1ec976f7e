package dev.glyphsupervisor.reference;

import dev.glyphsupervisor.reference.JsonRouter.Reply;
import dev.glyphsupervisor.reference.JsonRouter.Request;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code POST /admin/fault/{hang,error,slow,clear}}: real engine faults for tests and demos, only with
 * {@code --fault-endpoints}. Each answers 200 with what is now in force,
 * {@code {"hang":"off|armed|hung","error":false,"step_ms":0}}. Without the flag every path under
 * {@code /admin/fault/} answers 404 saying how to turn them on, and changes nothing.
 */
final class FaultEndpoints {

    static final String PREFIX = "/admin/fault/";
    static final String OFF_MESSAGE = "the fault endpoints are off; start the server with --fault-endpoints to enable "
            + "POST /admin/fault/hang, /admin/fault/error, /admin/fault/slow?step_ms=N and /admin/fault/clear";

    private final Faults faults;
    private FaultEndpoints(Faults faults) {
        this.faults = faults;
    }

    /** Adds the four routes when {@code enabled}, else the 404 for everything under {@link #PREFIX}. */
    static void register(JsonRouter router, Faults faults, boolean enabled) {
        if (!enabled) {
            router.fallback(PREFIX, request -> {
                throw new ApiException(404, "not_found", OFF_MESSAGE);
            });
            return;
        }
        FaultEndpoints endpoints = new FaultEndpoints(faults);
        router.routeRequest("POST", PREFIX + "hang", endpoints::hang)
                .routeRequest("POST", PREFIX + "error", endpoints::error)
                .routeRequest("POST", PREFIX + "slow", endpoints::slow)
                .routeRequest("POST", PREFIX + "clear", endpoints::clear);
    }

    private Reply hang(Request ignored) {
        faults.hang();
        return answer("hang", "every engine thread blocks forever at its next step; only a restart ends it");
    }

    private Reply error(Request ignored) {
        faults.error();
        return answer("error", "inference answers 500 until POST /admin/fault/clear");
    }

    private Reply slow(Request request) {
        String text = request.query().get("step_ms");
        int ms;
        try {
            ms = ServerOptions.integer("step_ms", text, 0, Faults.MAX_STEP_MS);
        } catch (UsageException e) {
            throw ApiException.invalid(e.getMessage() + " (POST /admin/fault/slow?step_ms=N)");
        }
        faults.slow(ms);
        return answer("slow", "every engine step takes at least " + ms + " ms more");
    }

    private Reply clear(Request ignored) {
        faults.clear();
        return answer("clear", faults.state().get("hang").equals("off") ? "no fault in force"
                : "error and slow cleared; a hang lasts until the process restarts");
    }

    /** The state now in force and a note; the request's log line says which fault was posted. */
    private Reply answer(String fault, String note) {
        Map<String, Object> body = new LinkedHashMap<>(faults.state());
        body.put("note", note);
        return new Reply(200, body, "fault=" + fault);
    }
}
