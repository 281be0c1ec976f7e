package dev.glyphsupervisor.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import dev.glyphsupervisor.e2e.Await;
import dev.glyphsupervisor.runtime.PortCheck;

import java.time.Duration;
import java.util.Optional;

/**
 * Between a stop and the relaunch, a foreign process takes the port: glyphctl stop, a python listener
 * binds the port, glyphctl start. The daemon must name the holder (port_in_use), leave it alone, and
 * launch once the port is free again; the harness ends the listener once the daemon has named it.
 * Recovery is timed from that moment.
 */
final class PortGrab implements Fault {

    private static final String LISTENER = "import socket, sys, time\n"
            + "s = socket.socket()\n"
            + "s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
            + "s.bind(('127.0.0.1', int(sys.argv[1])))\n"
            + "s.listen(8)\n"
            + "time.sleep(3600)\n";

    @Override
    public FaultRecord inject(Lane lane, AuditWatch.Serving s) throws Exception {
        Bounds b = lane.bounds();
        int from = lane.audit().mark();
        Glyphctl.Result stop = lane.glyphctl().run("stop");
        if (stop.exit() != 0) {
            lane.violation("PORT_GRAB: " + stop);
        }
        Optional<JsonNode> stopped = lane.await(from, "runtime_stopped", e -> AuditWatch.generation(e) == s.generation(),
                b.recoveryMs(FaultKind.PORT_GRAB));
        if (stopped.isEmpty()) {
            lane.violation("PORT_GRAB: glyphctl stop did not stop generation " + s.generation());
        }
        Process foreign = new ProcessBuilder("python3", "-c", LISTENER, Integer.toString(lane.port()))
                .redirectErrorStream(true).redirectOutput(lane.dir().resolve("foreign.log").toFile()).start();
        try {
            Await.until(Duration.ofSeconds(30), "the foreign listener on port " + lane.port(),
                    () -> !PortCheck.isFree(lane.port()) || !foreign.isAlive());
            int mark = lane.audit().mark();
            long at = System.currentTimeMillis();
            Glyphctl.Result start = lane.glyphctl().run("start");
            if (start.exit() != 0) {
                lane.violation("PORT_GRAB: " + start);
            }
            Optional<JsonNode> inUse = lane.await(mark, "port_in_use", e -> true, b.detectionMs(FaultKind.PORT_GRAB));
            String note = "";
            if (inUse.isPresent() && inUse.get().path("holder_pid").asLong() != foreign.pid()) {
                note = "holder named " + inUse.get().path("holder_pid") + ", listener was " + foreign.pid();
            }
            if (!foreign.isAlive()) {
                lane.violation("PORT_GRAB: the foreign listener " + foreign.pid() + " was ended by someone else");
            }
            foreign.destroyForcibly().waitFor();
            long cleared = System.currentTimeMillis();
            Optional<JsonNode> healthy = lane.await(mark, "runtime_healthy", e -> AuditWatch.generation(e) > s.generation(),
                    b.recoveryMs(FaultKind.PORT_GRAB));
            return lane.record(FaultKind.PORT_GRAB, "", at, inUse, cleared, healthy, note);
        } finally {
            foreign.destroyForcibly().waitFor();
        }
    }
}
