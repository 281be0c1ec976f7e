package dev.glyphsupervisor.control;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The one mapping between the control records and the wire's JSON: each record's keys, their order and their
 * nulls are written here, and read back here beside them. Written as plain maps (strings, numbers, booleans,
 * lists, null) for {@code Json}'s streaming writer; read from Jackson's tree with the same leniency glyphctl
 * always had (a key an older daemon lacks reads as null or as its old default).
 */
final class ControlJson {

    private ControlJson() {
    }

    // ---- requests

    /** The request's keys after {@code "v"}: {@code cmd}, then the command's arguments. */
    static Map<String, Object> write(ControlRequest<?> request) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("cmd", request.command());
        if (request.server() != null) {
            m.put("server", request.server());
        }
        if (request instanceof ControlRequest.Restart r) {
            m.put("reason", r.reason());
            m.put("wait", r.awaitHealthy());
            r.timeout().ifPresent(t -> m.put("timeout_ms", t.toMillis()));
        }
        return m;
    }

    /** The request a (version-checked) line asks for; IllegalArgumentException for a command there is none of. */
    static ControlRequest<?> request(JsonNode n) {
        String command = n.path("cmd").asText("");
        String server = string(n.path("server"));
        return switch (command) {
            case "status" -> new ControlRequest.Status(server);
            case "servers" -> new ControlRequest.Servers();
            case "restart" -> {
                long timeoutMs = n.path("timeout_ms").asLong(Long.MIN_VALUE);
                yield new ControlRequest.Restart(server, n.path("reason").asText("operator"),
                        n.path("wait").asBoolean(true),
                        timeoutMs == Long.MIN_VALUE ? Optional.empty() : Optional.of(Duration.ofMillis(timeoutMs)));
            }
            case "stop" -> new ControlRequest.Stop(server);
            case "start" -> new ControlRequest.Start(server);
            default -> throw new IllegalArgumentException("unknown command '" + command + "'");
        };
    }

    // ---- replies, written

    /** The reply's keys, after the envelope's {@code "v"} and {@code "ok"}. */
    static Map<String, Object> write(ControlReply reply) {
        if (reply instanceof StatusReply s) {
            return status(s);
        }
        Map<String, Object> m = new LinkedHashMap<>();
        if (reply instanceof ServersReply r) {
            List<Map<String, Object>> lines = new ArrayList<>();
            for (ServersReply.Line l : r.servers()) {
                Map<String, Object> line = new LinkedHashMap<>();
                line.put("name", l.name());
                line.put("state", l.state());
                line.put("pid", l.pid());
                line.put("generation", l.generation());
                line.put("uptime_s", l.uptimeS());
                line.put("restarts_total", l.restartsTotal());
                line.put("restarts_24h", l.restarts24h());
                line.put("gpu_tree_bytes", l.gpuTreeBytes());
                line.put("requires", l.requires());
                line.put("waiting_for", l.waitingFor());
                line.put("paused_by", l.pausedBy());
                line.put("probe_note", l.probeNote());
                lines.add(line);
            }
            m.put("servers", lines);
            return m;
        }
        if (reply instanceof RestartReply.Requested) {
            m.put("requested", true);
        } else if (reply instanceof RestartReply.Finished r) {
            m.put("healthy", r.healthy());
            m.put("state", r.state());
            m.put("generation", r.generation());
            m.put("pid", r.pid());
            m.put("took_ms", r.tookMs());
            if (!r.dependents().isEmpty()) {
                m.put("dependents", r.dependents());
            }
        } else if (reply instanceof StopReply r) {
            m.put("state", r.state());
            m.put("paused_by", r.pausedBy());
            if (!r.dependents().isEmpty()) {
                m.put("dependents", r.dependents());
            }
        } else if (reply instanceof StartReply r) {
            m.put("was", r.was());
            m.put("state", r.state());
            m.put("generation", r.generation());
        } else {
            throw new IllegalArgumentException("no wire form for " + reply.getClass().getName());
        }
        return m;
    }

    private static Map<String, Object> status(StatusReply s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("state", s.state());
        m.put("pid", s.pid());
        m.put("pgid", s.pgid());
        m.put("generation", s.generation());
        m.put("uptime_s", s.uptimeS());
        m.put("daemon_pid", s.daemonPid());
        m.put("daemon_uptime_s", s.daemonUptimeS());
        Map<String, Object> restarts = new LinkedHashMap<>();
        restarts.put("total", s.restarts().total());
        restarts.put("last_24h", s.restarts().last24h());
        m.put("restarts", restarts);
        Map<String, Object> last = new LinkedHashMap<>();
        last.put("reason", s.lastRestart().reason());
        last.put("at", text(s.lastRestart().at()));
        last.put("detail", s.lastRestart().detail());
        m.put("last_restart", last);
        m.put("last_failure", s.lastFailure() == null ? null : failure(s.lastFailure()));
        List<Map<String, Object>> probes = new ArrayList<>();
        for (StatusReply.ProbeLine p : s.probes()) {
            Map<String, Object> pm = new LinkedHashMap<>();
            pm.put("probe", p.probe());
            pm.put("status", p.status());
            pm.put("detail", p.detail());
            pm.put("latency_ms", p.latencyMs());
            probes.add(pm);
        }
        m.put("probes", probes);
        m.put("probes_generation", s.probesGeneration());
        m.put("probes_current", s.probesCurrent());
        m.put("gpu", s.gpu() == null ? null : gpu(s.gpu()));
        m.put("memory", s.memory() == null ? null : memory(s.memory()));
        m.put("progress", s.progress() == null ? null : progress(s.progress()));
        m.put("inference", s.inference() == null ? null : inference(s.inference()));
        StatusReply.LaunchRefused refused = s.launchRefused();
        if (refused != null) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("cause", refused.cause());
            r.put("detail", refused.detail());
            r.put("at", text(refused.at()));
            r.put("retry_at", text(refused.retryAt()));
            r.put("attempt", refused.attempt());
            m.put("launch_refused", r);
        } else {
            m.put("launch_refused", null);
        }
        m.put("paused_by", s.pausedBy());
        m.put("paused_at", text(s.pausedAt()));
        m.put("next_probe", text(s.nextProbe()));
        m.put("next_maintenance", text(s.nextMaintenance()));
        m.put("config", s.config());
        m.put("audit", s.audit());
        return m;
    }

    private static Map<String, Object> failure(StatusReply.LastFailure f) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("reason", f.reason());
        m.put("at", text(f.at()));
        m.put("before_healthy", f.beforeHealthy());
        m.put("exit_code", f.exitCode());
        m.put("cause", f.cause());
        m.put("cause_line", f.causeLine());
        m.put("explanation", f.explanation());
        m.put("retry", f.retry());
        m.put("identical_failures", f.identicalFailures());
        m.put("hopeless", f.hopeless());
        m.put("hopeless_after", f.hopelessAfter());
        m.put("retry_every_s", f.retryEveryS());
        m.put("log_tail", f.logTail());
        m.put("runtime_log", f.runtimeLog());
        return m;
    }

    private static Map<String, Object> gpu(StatusReply.Gpu g) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("configured", g.configured());
        m.put("tree_bytes", g.treeBytes());
        m.put("limit_bytes", g.limitBytes());
        m.put("growth_bytes_per_hour", g.growthBytesPerHour());
        m.put("time_to_limit_s", g.timeToLimitS());
        m.put("reading", reading(g.reading()));
        m.put("unknown", g.unknown());
        List<Map<String, Object>> devices = new ArrayList<>();
        for (StatusReply.Device d : g.devices()) {
            Map<String, Object> dm = new LinkedHashMap<>();
            dm.put("index", d.index());
            dm.put("uuid", d.uuid());
            dm.put("name", d.name());
            dm.put("used", d.used());
            dm.put("total", d.total());
            dm.put("limit", d.limit());
            dm.put("tree", d.tree());
            dm.put("others", d.others());
            dm.put("unowned", d.unowned());
            devices.add(dm);
        }
        m.put("devices", devices);
        return m;
    }

    private static Map<String, Object> memory(StatusReply.Memory mem) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("configured", mem.configured());
        m.put("tree_rss_bytes", mem.treeRssBytes());
        m.put("limit_bytes", mem.limitBytes());
        m.put("growth_bytes_per_hour", mem.growthBytesPerHour());
        m.put("host_available_bytes", mem.hostAvailableBytes());
        m.put("reading", reading(mem.reading()));
        return m;
    }

    private static Map<String, Object> progress(StatusReply.Progress p) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("status", p.status());
        m.put("detail", p.detail());
        m.put("pending", p.pending());
        m.put("counter", p.counter());
        m.put("steps_per_second", p.stepsPerSecond());
        m.put("seconds_since_progress", p.sinceProgressS());
        m.put("stalled_for_s", p.stalledForS());
        m.put("stall_after_s", p.stallAfterS());
        m.put("current", p.current());
        m.put("engine", p.engine());
        m.put("url", p.url());
        m.put("hint", p.hint());
        return m;
    }

    private static Map<String, Object> inference(StatusReply.Inference i) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("verdict", i.verdict());
        m.put("latency_ms", i.latencyMs());
        m.put("detail", i.detail());
        m.put("at", text(i.at()));
        m.put("http_status", i.httpStatus());
        m.put("failures", i.failures());
        m.put("failure_threshold", i.failureThreshold());
        m.put("restart_on_slow", i.restartOnSlow());
        m.put("slow_after_ms", i.slowAfterMs());
        m.put("skipped_at", text(i.skippedAt()));
        m.put("skipped", i.skipped());
        m.put("next", text(i.next()));
        m.put("method", i.method());
        m.put("url", i.url());
        return m;
    }

    private static Map<String, Object> reading(StatusReply.Reading r) {
        if (r == null) {
            return null;
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("generation", r.generation());
        m.put("at", text(r.at()));
        m.put("current", r.current());
        return m;
    }

    private static String text(Instant t) {
        return t == null ? null : t.toString();
    }

    // ---- replies, read

    /** The reply to {@code request} in an answer the daemon accepted ({@code "ok":true}). */
    static <R extends ControlReply> R reply(ControlRequest<R> request, JsonNode n) {
        ControlReply reply;
        if (request instanceof ControlRequest.Status) {
            reply = status(n);
        } else if (request instanceof ControlRequest.Servers) {
            List<ServersReply.Line> lines = new ArrayList<>();
            for (JsonNode l : n.path("servers")) {
                lines.add(new ServersReply.Line(l.path("name").asText(), l.path("state").asText(), number(l.path("pid")),
                        l.path("generation").asLong(), number(l.path("uptime_s")), l.path("restarts_total").asLong(),
                        l.path("restarts_24h").asLong(), number(l.path("gpu_tree_bytes")), strings(l.path("requires")),
                        strings(l.path("waiting_for")), string(l.path("paused_by")), string(l.path("probe_note"))));
            }
            reply = new ServersReply(lines);
        } else if (request instanceof ControlRequest.Restart r) {
            // What the caller asked for decides the form: a waited-for restart is answered with how the wait ended.
            reply = !r.awaitHealthy() ? new RestartReply.Requested()
                    : new RestartReply.Finished(n.path("healthy").asBoolean(), n.path("state").asText(),
                            n.path("generation").asLong(), number(n.path("pid")), n.path("took_ms").asLong(),
                            stringMap(n.path("dependents")));
        } else if (request instanceof ControlRequest.Stop) {
            reply = new StopReply(n.path("state").asText(), string(n.path("paused_by")), strings(n.path("dependents")));
        } else {
            reply = new StartReply(n.path("was").asText(), n.path("state").asText(), n.path("generation").asLong());
        }
        @SuppressWarnings("unchecked") // each request type names its reply type, and the branches above match them
        R typed = (R) reply;
        return typed;
    }

    static StatusReply status(JsonNode n) {
        JsonNode last = n.path("last_restart");
        List<StatusReply.ProbeLine> probes = new ArrayList<>();
        for (JsonNode p : n.path("probes")) {
            probes.add(new StatusReply.ProbeLine(p.path("probe").asText(), p.path("status").asText(),
                    string(p.path("detail")), p.path("latency_ms").asDouble()));
        }
        JsonNode refused = n.path("launch_refused");
        return new StatusReply(n.path("state").asText(), number(n.path("pid")), number(n.path("pgid")),
                n.path("generation").asLong(), number(n.path("uptime_s")), n.path("daemon_pid").asLong(),
                n.path("daemon_uptime_s").asLong(),
                new StatusReply.Restarts(n.path("restarts").path("total").asLong(),
                        n.path("restarts").path("last_24h").asLong()),
                new StatusReply.LastRestart(string(last.path("reason")), instant(last.path("at")),
                        string(last.path("detail"))),
                failure(n.path("last_failure")), probes, number(n.path("probes_generation")),
                n.path("probes_current").isBoolean() ? n.path("probes_current").asBoolean() : null,
                gpu(n.path("gpu")), memory(n.path("memory")), progress(n.path("progress")), inference(n.path("inference")),
                refused.isObject() ? new StatusReply.LaunchRefused(refused.path("cause").asText(),
                        string(refused.path("detail")), instant(refused.path("at")), instant(refused.path("retry_at")),
                        refused.path("attempt").asInt()) : null,
                string(n.path("paused_by")), instant(n.path("paused_at")), instant(n.path("next_probe")),
                instant(n.path("next_maintenance")), string(n.path("config")), string(n.path("audit")));
    }

    private static StatusReply.LastFailure failure(JsonNode f) {
        if (!f.isObject()) {
            return null;
        }
        List<String> tail = new ArrayList<>();
        f.path("log_tail").forEach(line -> tail.add(line.asText()));
        return new StatusReply.LastFailure(f.path("reason").asText(), instant(f.path("at")),
                f.path("before_healthy").asBoolean(), f.path("exit_code").isIntegralNumber() ? f.path("exit_code").asInt() : null,
                f.path("cause").asText(), string(f.path("cause_line")), string(f.path("explanation")),
                f.path("retry").asBoolean(true), f.path("identical_failures").asInt(1), f.path("hopeless").asBoolean(),
                f.path("hopeless_after").asInt(), f.path("retry_every_s").asLong(), tail, string(f.path("runtime_log")));
    }

    private static StatusReply.Gpu gpu(JsonNode g) {
        if (!g.isObject()) {
            return null;
        }
        List<StatusReply.Device> devices = new ArrayList<>();
        for (JsonNode d : g.path("devices")) {
            Map<String, Long> others = new LinkedHashMap<>();
            d.path("others").properties().forEach(e -> others.put(e.getKey(), e.getValue().asLong()));
            devices.add(new StatusReply.Device(d.path("index").asInt(), string(d.path("uuid")), string(d.path("name")),
                    d.path("used").asLong(), d.path("total").asLong(), number(d.path("limit")), number(d.path("tree")),
                    others, d.path("unowned").asLong()));
        }
        return new StatusReply.Gpu(configured(g), number(g.path("tree_bytes")), number(g.path("limit_bytes")),
                number(g.path("growth_bytes_per_hour")), number(g.path("time_to_limit_s")), reading(g.path("reading")),
                string(g.path("unknown")), devices);
    }

    private static StatusReply.Memory memory(JsonNode m) {
        if (!m.isObject()) {
            return null;
        }
        return new StatusReply.Memory(configured(m), number(m.path("tree_rss_bytes")), number(m.path("limit_bytes")),
                number(m.path("growth_bytes_per_hour")), number(m.path("host_available_bytes")), reading(m.path("reading")));
    }

    private static StatusReply.Progress progress(JsonNode p) {
        if (!p.isObject()) {
            return null;
        }
        return new StatusReply.Progress(string(p.path("status")), string(p.path("detail")), decimal(p.path("pending")),
                decimal(p.path("counter")), decimal(p.path("steps_per_second")), decimal(p.path("seconds_since_progress")),
                decimal(p.path("stalled_for_s")), p.path("stall_after_s").asDouble(),
                p.path("current").isBoolean() ? p.path("current").asBoolean() : null, string(p.path("engine")),
                string(p.path("url")), string(p.path("hint")));
    }

    private static StatusReply.Inference inference(JsonNode i) {
        if (!i.isObject()) {
            return null;
        }
        return new StatusReply.Inference(string(i.path("verdict")), decimal(i.path("latency_ms")),
                string(i.path("detail")), instant(i.path("at")),
                i.path("http_status").isIntegralNumber() ? i.path("http_status").asInt() : null,
                i.path("failures").asInt(), i.path("failure_threshold").asInt(), i.path("restart_on_slow").asBoolean(),
                number(i.path("slow_after_ms")), instant(i.path("skipped_at")), string(i.path("skipped")),
                instant(i.path("next")), string(i.path("method")), string(i.path("url")));
    }

    /** Null from a daemon older than the key (the reader then judges by the figures); a null value reads as false. */
    private static Boolean configured(JsonNode block) {
        return block.has("configured") ? block.path("configured").asBoolean() : null;
    }

    private static StatusReply.Reading reading(JsonNode r) {
        return r.isObject() ? new StatusReply.Reading(r.path("generation").asLong(), instant(r.path("at")),
                r.path("current").asBoolean(false)) : null;
    }

    /** A number, or null for null, an absent key or anything else. */
    private static Map<String, String> stringMap(JsonNode n) {
        Map<String, String> all = new LinkedHashMap<>();
        n.fields().forEachRemaining(e -> all.put(e.getKey(), e.getValue().asText()));
        return all;
    }

    private static List<String> strings(JsonNode n) {
        List<String> all = new ArrayList<>();
        n.forEach(item -> all.add(item.asText()));
        return all;
    }

    /** A number with its fraction, or null for null, an absent key or anything else. */
    private static Double decimal(JsonNode n) {
        return n.isNumber() ? n.asDouble() : null;
    }

    private static Long number(JsonNode n) {
        return n.isNumber() ? n.asLong() : null;
    }

    /** Text, or null for null or an absent key (another scalar reads as its text). */
    private static String string(JsonNode n) {
        return n.isNull() || n.isMissingNode() || n.isContainerNode() ? null : n.asText();
    }

    private static Instant instant(JsonNode n) {
        return n.isTextual() ? Instant.parse(n.asText()) : null;
    }
}
