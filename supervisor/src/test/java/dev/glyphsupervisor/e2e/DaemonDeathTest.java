package dev.glyphsupervisor.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import dev.glyphsupervisor.runtime.ProcInfo;
import dev.glyphsupervisor.runtime.ProcessTable;
import dev.glyphsupervisor.runtime.Signals;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The daemon's own death: SIGKILL it at 20 random moments (starting, healthy, mid-restart, during a slow
 * stop grace), each time followed by a new daemon on the same state directory, as systemd would do. After
 * each, exactly one server tree exists and it is healthy; the audit tells who adopted or stopped what.
 */
class DaemonDeathTest {

    private static final Duration T = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    private final List<DaemonProcess> daemons = new ArrayList<>();
    private ConfigFile config;

    @AfterEach
    void cleanUp() throws InterruptedException {
        for (DaemonProcess d : daemons) {
            d.close();
        }
        for (List<ProcInfo> tree : trees().values()) {
            for (ProcInfo p : tree) {
                Signals.kill(p.pid(), Signals.SIGKILL);
            }
        }
    }

    /** Every live process of this state directory's servers, by session. */
    private Map<Long, List<ProcInfo>> trees() {
        String marker = "GLYPH_SUPERVISOR_STATE_DIR=" + config.stateDir();
        Map<Long, List<ProcInfo>> trees = new TreeMap<>();
        for (ProcInfo p : ProcessTable.snapshot()) {
            if (p.isZombie()) {
                continue;
            }
            try {
                byte[] env = Files.readAllBytes(Path.of("/proc", Long.toString(p.pid()), "environ"));
                if (List.of(new String(env, StandardCharsets.UTF_8).split("\0")).contains(marker)) {
                    trees.computeIfAbsent(p.sid(), k -> new ArrayList<>()).add(p);
                }
            } catch (IOException gone) {
                // exited while we looked
            }
        }
        return trees;
    }

    @Test
    void sigkillOfTheDaemonAtTwentyRandomMomentsNeverLeavesTwoServersOrAnOrphan() throws Exception {
        long seed = Long.getLong("glyph.seed", System.nanoTime());
        System.out.println("DaemonDeathTest seed " + seed + " (rerun with -Dglyph.seed=" + seed + ")");
        Random random = new Random(seed);
        int port = TestServer.freePort();
        String command = "[\"python3\", \"" + TestServer.SCRIPT + "\", \"--port\", \"" + port
                + "\", \"--workers\", \"2\", \"--term-delay\", \"0.8\", \"--control\", \"" + dir.resolve("control") + "\"]";
        config = new ConfigFile(dir, port, command).set("stop_grace", "3s").set("max_restarts", "1000")
                .set("backoff_reset", "100ms");
        Path file = config.write();
        List<String> moments = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            DaemonProcess d = DaemonProcess.startAppending(file, config.audit(), dir.resolve("daemon-" + i + ".out"));
            daemons.add(d);
            JsonNode healthy = awaitServing(d);
            assertOneHealthyTree(d, healthy, "after daemon " + i);
            String moment = switch (random.nextInt(4)) {
                case 0 -> "healthy";
                case 1 -> "mid-restart";
                case 2 -> "stop-grace";
                default -> "random-delay";
            };
            moments.add(moment);
            switch (moment) {
                case "mid-restart" -> {
                    Signals.kill(healthy.get("pid").asLong(), Signals.SIGKILL); // the server dies...
                    d.await("restart_decided", e -> e.get("seq").asLong() > healthy.get("seq").asLong(), T);
                }
                case "stop-grace" -> TestServer.control(dir.resolve("control"), "500"); // ...or fails its probes
                case "random-delay" -> Thread.sleep(random.nextInt(1500));      // the moment itself is the test input
                default -> { }
            }
            if (moment.equals("stop-grace")) {
                // the restart decided, the server takes 0.8 s to obey SIGTERM: kill the daemon inside that grace
                d.await("restart_decided", e -> e.get("seq").asLong() > healthy.get("seq").asLong(), T);
                TestServer.control(dir.resolve("control"), "ok");
            }
            d.process().destroyForcibly().waitFor(); // SIGKILL: no shutdown hook, no last record
        }
        DaemonProcess last = DaemonProcess.startAppending(file, config.audit(), dir.resolve("daemon-last.out"));
        daemons.add(last);
        assertOneHealthyTree(last, awaitServing(last), "at the end; moments " + moments);
        List<JsonNode> all = dev.glyphsupervisor.audit.AuditReader.readAll(config.audit());
        long adopted = all.stream().filter(e -> e.get("event").asText().equals("runtime_adopted")).count();
        long orphans = all.stream().filter(e -> e.get("event").asText().equals("orphan_stopped")).count();
        System.out.println("moments " + moments + ": " + adopted + " adoptions, " + orphans + " orphan trees stopped");
        assertEquals(21, all.stream().filter(e -> e.get("event").asText().equals("supervisor_started")).count());
        assertTrue(adopted > 0, "a healthy server left behind was adopted at least once: " + moments);
        for (JsonNode e : all) {
            if (e.get("event").asText().equals("orphan_stopped")) {
                assertEquals(0, e.get("still_alive").size(), "every orphan was really stopped: " + e);
            }
        }
        List<Long> seqs = all.stream().map(e -> e.get("seq").asLong()).collect(Collectors.toList());
        for (int i = 1; i < seqs.size(); i++) {
            assertEquals(seqs.get(i - 1) + 1, seqs.get(i), "seq is gap-free across the 21 daemons");
        }
    }

    /** The daemon's first healthy server: either adopted, or launched and healthy. */
    private JsonNode awaitServing(DaemonProcess d) {
        Await.until(T, "adopted or healthy", () -> d.find("runtime_adopted", e -> true).isPresent()
                || d.find("runtime_healthy", e -> true).isPresent(), d::describe);
        return d.find("runtime_adopted", e -> true).orElseGet(() -> d.find("runtime_healthy", e -> true).orElseThrow());
    }

    /**
     * Exactly one tree, and it is the one the daemon last reported healthy or adopted (an adopted server
     * that was already dying is replaced, so the check follows the daemon's latest word).
     */
    private void assertOneHealthyTree(DaemonProcess d, JsonNode serving, String when) {
        Await.until(T, "exactly one server tree, the daemon's healthy one, " + when, () -> {
            Set<Long> sids = trees().keySet();
            return sids.size() == 1 && sids.contains(currentPid(d));
        }, () -> trees().toString() + " current " + currentPid(d) + d.describe());
    }

    private static long currentPid(DaemonProcess d) {
        long pid = -1;
        for (JsonNode e : d.events()) {
            String event = e.get("event").asText();
            if (event.equals("runtime_healthy") || event.equals("runtime_adopted")) {
                pid = e.get("pid").asLong();
            } else if (event.equals("restart_decided")) {
                pid = -1;
            }
        }
        return pid;
    }
}
