package dev.glyphsupervisor.control;

import dev.glyphsupervisor.json.Json;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The control records' wire form: the keys, their order, nulls and number formats glyphctl has always seen. */
class ControlJsonTest {

    private static final Instant AT = Instant.parse("2026-01-01T00:00:00Z");

    private static StatusReply full() {
        StatusReply.Reading reading = new StatusReply.Reading(4, AT, true);
        Map<String, Long> others = new TreeMap<>(Map.of("77", 5L, "123", 6L));
        return new StatusReply("FAILED", 10L, 9L, 4, 120L, 1, 300, new StatusReply.Restarts(5, 2),
                new StatusReply.LastRestart("exited", AT, "exit 1"),
                new StatusReply.LastFailure("exited", AT, true, 1, "oom", "CUDA out of memory", "the GPU ran out", false,
                        3, true, 3, 300, List.of("a", "b"), "/var/log/s.log"),
                List.of(new StatusReply.ProbeLine("http", "FAILURE", null, 1.0),
                        new StatusReply.ProbeLine("tcp", "SUCCESS", "open", 0.25)),
                3L, false,
                new StatusReply.Gpu(true, 100L, 200L, -5L, null, reading, "nvml said no",
                        List.of(new StatusReply.Device(0, "GPU-0", "H100", 300, 1000, null, 100L, others, 0))),
                new StatusReply.Memory(true, null, 400L, null, 500L, null),
                new StatusReply.Progress("FLAT", "2 pending, no progress for 30 s", 2.0, 1234.0, 0.0, 30.5, 30.0, 120.0,
                        true, "vllm", "http://127.0.0.1:8000/metrics", "restarted 2 times"),
                new StatusReply.Inference("FAILED", 10000.5, "status 500 (expected 200)", AT, 500, 2, 3, true, 2000L,
                        AT.plusSeconds(60), "skipped: the server progressed", AT.plusSeconds(120), "POST",
                        "http://127.0.0.1:8000/v1/chat/completions"),
                new StatusReply.LaunchRefused("port_in_use", "held by 7", AT, AT.plusSeconds(2), 2),
                "root", AT, AT.plusSeconds(10), null, "/etc/g.yaml", "/var/a.jsonl");
    }

    @Test
    void statusKeysInTheirOrder() throws Exception {
        String json = Json.writeString(ControlJson.write(full()));
        assertEquals("{\"state\":\"FAILED\",\"pid\":10,\"pgid\":9,\"generation\":4,\"uptime_s\":120,\"daemon_pid\":1,"
                + "\"daemon_uptime_s\":300,\"restarts\":{\"total\":5,\"last_24h\":2},\"last_restart\":{\"reason\":\"exited\","
                + "\"at\":\"2026-01-01T00:00:00Z\",\"detail\":\"exit 1\"},\"last_failure\":{\"reason\":\"exited\","
                + "\"at\":\"2026-01-01T00:00:00Z\",\"before_healthy\":true,\"exit_code\":1,\"cause\":\"oom\","
                + "\"cause_line\":\"CUDA out of memory\",\"explanation\":\"the GPU ran out\",\"retry\":false,"
                + "\"identical_failures\":3,\"hopeless\":true,\"hopeless_after\":3,\"retry_every_s\":300,"
                + "\"log_tail\":[\"a\",\"b\"],\"runtime_log\":\"/var/log/s.log\"},\"probes\":[{\"probe\":\"http\","
                + "\"status\":\"FAILURE\",\"detail\":null,\"latency_ms\":1.0},{\"probe\":\"tcp\",\"status\":\"SUCCESS\","
                + "\"detail\":\"open\",\"latency_ms\":0.25}],\"probes_generation\":3,\"probes_current\":false,"
                + "\"gpu\":{\"configured\":true,\"tree_bytes\":100,\"limit_bytes\":200,\"growth_bytes_per_hour\":-5,"
                + "\"time_to_limit_s\":null,\"reading\":{\"generation\":4,\"at\":\"2026-01-01T00:00:00Z\",\"current\":true},"
                + "\"unknown\":\"nvml said no\",\"devices\":[{\"index\":0,\"uuid\":\"GPU-0\",\"name\":\"H100\",\"used\":300,"
                + "\"total\":1000,\"limit\":null,\"tree\":100,\"others\":{\"123\":6,\"77\":5},\"unowned\":0}]},"
                + "\"memory\":{\"configured\":true,\"tree_rss_bytes\":null,\"limit_bytes\":400,\"growth_bytes_per_hour\":null,"
                + "\"host_available_bytes\":500,\"reading\":null},\"progress\":{\"status\":\"FLAT\","
                + "\"detail\":\"2 pending, no progress for 30 s\",\"pending\":2.0,\"counter\":1234.0,"
                + "\"steps_per_second\":0.0,\"seconds_since_progress\":30.5,\"stalled_for_s\":30.0,\"stall_after_s\":120.0,"
                + "\"current\":true,\"engine\":\"vllm\",\"url\":\"http://127.0.0.1:8000/metrics\","
                + "\"hint\":\"restarted 2 times\"},\"inference\":{\"verdict\":\"FAILED\",\"latency_ms\":10000.5,"
                + "\"detail\":\"status 500 (expected 200)\",\"at\":\"2026-01-01T00:00:00Z\",\"http_status\":500,"
                + "\"failures\":2,\"failure_threshold\":3,\"restart_on_slow\":true,\"slow_after_ms\":2000,"
                + "\"skipped_at\":\"2026-01-01T00:01:00Z\",\"skipped\":\"skipped: the server progressed\","
                + "\"next\":\"2026-01-01T00:02:00Z\",\"method\":\"POST\","
                + "\"url\":\"http://127.0.0.1:8000/v1/chat/completions\"},\"launch_refused\":{\"cause\":\"port_in_use\","
                + "\"detail\":\"held by 7\",\"at\":\"2026-01-01T00:00:00Z\",\"retry_at\":\"2026-01-01T00:00:02Z\","
                + "\"attempt\":2},\"paused_by\":\"root\",\"paused_at\":\"2026-01-01T00:00:00Z\","
                + "\"next_probe\":\"2026-01-01T00:00:10Z\",\"next_maintenance\":null,\"config\":\"/etc/g.yaml\","
                + "\"audit\":\"/var/a.jsonl\"}", json);
    }

    @Test
    void statusReadsBackAsWritten() throws Exception {
        StatusReply written = full();
        String json = Json.writeString(ControlJson.write(written));
        StatusReply read = ControlJson.reply(new ControlRequest.Status(), Json.read(json));
        assertEquals(written, read);
        assertEquals(json, Json.writeString(ControlJson.write(read)));
    }

    @Test
    void progressAndInferenceBeforeTheirFirstReadingReadBackAsWritten() throws Exception {
        StatusReply f = full();
        StatusReply fresh = new StatusReply(f.state(), f.pid(), f.pgid(), f.generation(), f.uptimeS(), f.daemonPid(),
                f.daemonUptimeS(), f.restarts(), f.lastRestart(), f.lastFailure(), f.probes(), f.probesGeneration(),
                f.probesCurrent(), f.gpu(), f.memory(),
                new StatusReply.Progress(null, null, null, null, null, null, null, 90.5, null, null,
                        "http://127.0.0.1:9/metrics", null),
                new StatusReply.Inference(null, null, null, null, null, 0, 3, false, null, null, null, null, "GET",
                        "http://127.0.0.1:9/v1/models"),
                f.launchRefused(), f.pausedBy(), f.pausedAt(), f.nextProbe(), f.nextMaintenance(), f.config(), f.audit());
        String json = Json.writeString(ControlJson.write(fresh));
        assertEquals(fresh, ControlJson.reply(new ControlRequest.Status(), Json.read(json)));
    }

    /** A daemon from before the progress and inference probes writes neither key: both read as not configured. */
    @Test
    void anOlderDaemonsStatusHasNoProgressOrInference() throws Exception {
        StatusReply read = ControlJson.reply(new ControlRequest.Status(),
                Json.read("{\"v\":1,\"ok\":true,\"state\":\"RUNNING\",\"generation\":1,\"probes\":[]}"));
        assertEquals(null, read.progress());
        assertEquals(null, read.inference());
    }

    @Test
    void serversLinesCarryTheProbeNote() throws Exception {
        ServersReply written = new ServersReply(List.of(
                new ServersReply.Line("vllm", "RUNNING", 7L, 2, 30L, 1, 1, 100L, List.of(), List.of(), null,
                        "no progress 45 s"),
                new ServersReply.Line("ui", "WAITING", null, 0, null, 0, 0, null, List.of("vllm"), List.of("vllm"), null,
                        null)));
        String json = Json.writeString(ControlJson.write(written));
        assertEquals("{\"servers\":[{\"name\":\"vllm\",\"state\":\"RUNNING\",\"pid\":7,\"generation\":2,"
                + "\"uptime_s\":30,\"restarts_total\":1,\"restarts_24h\":1,\"gpu_tree_bytes\":100,\"requires\":[],"
                + "\"waiting_for\":[],\"paused_by\":null,\"probe_note\":\"no progress 45 s\"},{\"name\":\"ui\","
                + "\"state\":\"WAITING\",\"pid\":null,\"generation\":0,\"uptime_s\":null,\"restarts_total\":0,"
                + "\"restarts_24h\":0,\"gpu_tree_bytes\":null,\"requires\":[\"vllm\"],\"waiting_for\":[\"vllm\"],"
                + "\"paused_by\":null,\"probe_note\":null}]}", json);
        assertEquals(written, ControlJson.reply(new ControlRequest.Servers(), Json.read(json)));
    }

    @Test
    void otherRepliesAndRequests() throws Exception {
        assertEquals("{\"requested\":true}", Json.writeString(ControlJson.write(new RestartReply.Requested())));
        assertEquals("{\"healthy\":true,\"state\":\"RUNNING\",\"generation\":5,\"pid\":null,\"took_ms\":1200}",
                Json.writeString(ControlJson.write(new RestartReply.Finished(true, "RUNNING", 5, null, 1200))));
        assertEquals("{\"state\":\"PAUSED\",\"paused_by\":\"ops\"}", Json.writeString(ControlJson.write(new StopReply("PAUSED", "ops"))));
        assertEquals("{\"was\":\"PAUSED\",\"state\":\"STARTING\",\"generation\":2}",
                Json.writeString(ControlJson.write(new StartReply("PAUSED", "STARTING", 2))));
        ControlRequest.Restart restart = new ControlRequest.Restart("deploy", false, Optional.of(Duration.ofSeconds(3)));
        String wire = Json.writeString(ControlJson.write(restart));
        assertEquals("{\"cmd\":\"restart\",\"reason\":\"deploy\",\"wait\":false,\"timeout_ms\":3000}", wire);
        assertEquals(restart, ControlJson.request(Json.read(wire)));
        assertEquals(new ControlRequest.Restart("operator", true, Optional.empty()),
                ControlJson.request(Json.read("{\"v\":1,\"cmd\":\"restart\"}")));
        assertEquals("{\"cmd\":\"status\"}", Json.writeString(ControlJson.write(new ControlRequest.Status())));
    }
}
