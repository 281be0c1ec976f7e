package dev.glyphsupervisor.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import dev.glyphsupervisor.config.SupervisorConfig;
import dev.glyphsupervisor.control.ControlServer;
import dev.glyphsupervisor.core.MemorySample;
import dev.glyphsupervisor.core.MemoryWatch;
import dev.glyphsupervisor.core.State;
import dev.glyphsupervisor.core.SupervisorStateMachine;
import dev.glyphsupervisor.probes.gpu.DeviceReading;
import dev.glyphsupervisor.probes.gpu.GpuReading;
import dev.glyphsupervisor.probes.ProbeResult;
import dev.glyphsupervisor.runtime.ProcInfo;
import dev.glyphsupervisor.runtime.ProcessTable;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * What the control channel's commands do in the daemon: report status, and turn restart / stop / start
 * into events for the state machine (with the caller's user name, which the machine audits).
 */
final class DaemonControl implements ControlServer.Handler {

    private final Supervisor supervisor;
    private final SupervisorConfig config;
    private final Clock clock;
    private final Instant daemonStarted;
    private final MemoryWatch memory;
    private final MemoryReader reader;
    private final Supplier<Date> nextProbe;
    private final Supplier<Date> nextMaintenance;

    DaemonControl(Supervisor supervisor, SupervisorConfig config, Clock clock, MemoryWatch memory, MemoryReader reader,
                  Supplier<Date> nextProbe, Supplier<Date> nextMaintenance) {
        this.supervisor = supervisor;
        this.config = config;
        this.clock = clock;
        this.daemonStarted = clock.instant();
        this.memory = memory;
        this.reader = reader;
        this.nextProbe = nextProbe;
        this.nextMaintenance = nextMaintenance;
    }

    @Override
    public Map<String, Object> handle(JsonNode request, String user) throws InterruptedException {
        String command = request.path("cmd").asText("");
        return switch (command) {
            case "status" -> status();
            case "restart" -> restart(request, user);
            case "stop" -> stop(user);
            case "start" -> start(user);
            default -> throw new IllegalArgumentException("unknown command '" + command + "'");
        };
    }

    private Map<String, Object> status() {
        Supervisor.Snapshot s = supervisor.snapshot();
        Instant now = clock.instant();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("state", s.state().name());
        m.put("pid", s.pid() > 0 ? s.pid() : null);
        // The launched command leads its group; a process it forked into the background may not (runtime_forked).
        m.put("pgid", s.pid() > 0 ? ProcessTable.get(s.pid()).map(ProcInfo::pgid).orElse(s.pid()) : null);
        m.put("generation", s.generation());
        m.put("uptime_s", s.launchedAt() == null ? null : Duration.between(s.launchedAt(), now).toSeconds());
        m.put("daemon_pid", ProcessHandle.current().pid());
        m.put("daemon_uptime_s", Duration.between(daemonStarted, now).toSeconds());
        Map<String, Object> restarts = new LinkedHashMap<>();
        restarts.put("total", supervisor.totalRestarts());
        restarts.put("last_24h", supervisor.restartsSince(now.minus(Duration.ofDays(1))));
        m.put("restarts", restarts);
        Map<String, Object> last = new LinkedHashMap<>();
        last.put("reason", s.lastRestartReason());
        last.put("at", s.lastRestartAt() == null ? null : s.lastRestartAt().toString());
        last.put("detail", s.lastRestartDetail());
        m.put("last_restart", last);
        m.put("last_failure", FailureStatus.of(supervisor.lastFailure(), config));
        List<Map<String, Object>> probes = new ArrayList<>();
        for (ProbeResult r : supervisor.lastProbes()) {
            Map<String, Object> p = new LinkedHashMap<>();
            p.put("probe", r.probe());
            p.put("status", r.status().name());
            p.put("detail", r.detail());
            p.put("latency_ms", r.latency().toNanos() / 1e6);
            probes.add(p);
        }
        m.put("probes", probes);
        // Results of an earlier generation (the server since stopped, or a new launch not yet probed) are said to be.
        long probed = supervisor.lastProbesGeneration();
        m.put("probes_generation", probed < 0 ? null : probed);
        m.put("probes_current", probed == s.generation() && s.state().hasProcess());
        Optional<MemoryWatch.Summary> summary = memory.summary();
        m.put("gpu", gpu(s, summary));
        m.put("memory", hostMemory(s, summary));
        SupervisorStateMachine.LaunchRefusal refusal = s.launchRefusal();
        if (refusal != null && (s.state() == State.BACKOFF || s.state() == State.FAILED)) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("cause", refusal.cause());
            r.put("detail", refusal.detail());
            r.put("at", refusal.at().toString());
            r.put("retry_at", refusal.retryAt().toString());
            r.put("attempt", refusal.attempt());
            m.put("launch_refused", r);
        } else {
            m.put("launch_refused", null);
        }
        m.put("paused_by", s.pausedBy());
        m.put("paused_at", s.pausedAt() == null ? null : s.pausedAt().toString());
        Date probe = nextProbe.get();
        Date maintenance = nextMaintenance.get();
        m.put("next_probe", probe == null ? null : probe.toInstant().toString());
        m.put("next_maintenance", maintenance == null ? null : maintenance.toInstant().toString());
        m.put("config", config.source().toAbsolutePath().normalize().toString());
        m.put("audit", config.audit().path().toString());
        return m;
    }

    /**
     * Where the last memory reading comes from: its generation, its time, and whether it is the current generation's
     * (a running server's). Null before any reading. Figures of an earlier generation are not shown as current.
     */
    private static Map<String, Object> reading(Supervisor.Snapshot s, Optional<MemoryWatch.Summary> summary) {
        if (summary.isEmpty()) {
            return null;
        }
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("generation", summary.get().generation());
        r.put("at", summary.get().at().toString());
        r.put("current", current(s, summary));
        return r;
    }

    private static boolean current(Supervisor.Snapshot s, Optional<MemoryWatch.Summary> summary) {
        return summary.isPresent() && s.state().hasProcess() && summary.get().generation() == s.generation();
    }

    /** A figure of the current generation's reading, or null (none yet, unknown, or an earlier generation's). */
    private static Long figure(Supervisor.Snapshot s, Optional<MemoryWatch.Summary> summary,
                               Function<MemoryWatch.Summary, OptionalLong> figure) {
        OptionalLong v = current(s, summary) ? figure.apply(summary.get()) : OptionalLong.empty();
        return v.isPresent() && v.getAsLong() >= 0 ? v.getAsLong() : null;
    }

    private static Long orNull(OptionalLong v) {
        return v.isPresent() ? v.getAsLong() : null;
    }

    private Map<String, Object> gpu(Supervisor.Snapshot s, Optional<MemoryWatch.Summary> summary) {
        Map<String, Object> gpu = new LinkedHashMap<>();
        boolean configured = config.probes().gpu().isPresent();
        gpu.put("configured", configured);
        gpu.put("tree_bytes", configured ? figure(s, summary, MemoryWatch.Summary::treeGpu) : null);
        gpu.put("limit_bytes", orNull(memory.limits().maxTreeGpu()));
        gpu.put("growth_bytes_per_hour", configured ? figure(s, summary, MemoryWatch.Summary::gpuGrowthPerHour) : null);
        gpu.put("time_to_limit_s", configured ? figure(s, summary, MemoryWatch.Summary::gpuSecondsToLimit) : null);
        gpu.put("reading", configured ? reading(s, summary) : null);
        List<Map<String, Object>> devices = new ArrayList<>();
        String unknown = null;
        if (configured) {
            // The devices now, whatever the state: device memory is shared, and while the server is down is when
            // an operator most wants to see who holds it.
            GpuReading now = reader.devicesNow();
            Set<Long> tree = s.state().hasProcess() ? reader.treePids() : Set.of();
            if (now.status() == GpuReading.Status.OK) {
                for (DeviceReading d : now.devices()) {
                    devices.add(device(d, tree, s.state().hasProcess()));
                }
                unknown = now.reason().isEmpty() ? null : now.reason();
            } else {
                unknown = now.reason();
            }
        }
        gpu.put("unknown", unknown);
        gpu.put("devices", devices);
        return gpu;
    }

    private Map<String, Object> device(DeviceReading d, Set<Long> tree, boolean running) {
        MemorySample.Device seen = MemoryReader.device(d, tree);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("index", d.index());
        m.put("uuid", d.uuid());
        m.put("name", d.name());
        m.put("used", d.used());
        m.put("total", d.total());
        m.put("limit", orNull(memory.deviceLimit(d.total())));
        m.put("tree", running && seen.tree() >= 0 ? seen.tree() : null);
        Map<String, Long> others = new java.util.TreeMap<>();
        seen.others().forEach((pid, bytes) -> others.put(Long.toString(pid), bytes));
        m.put("others", others);
        m.put("unowned", seen.unowned());
        return m;
    }

    private Map<String, Object> hostMemory(Supervisor.Snapshot s, Optional<MemoryWatch.Summary> summary) {
        Map<String, Object> mem = new LinkedHashMap<>();
        boolean configured = config.probes().host().isPresent();
        mem.put("configured", configured);
        mem.put("tree_rss_bytes", configured ? figure(s, summary, MemoryWatch.Summary::treeRss) : null);
        mem.put("limit_bytes", orNull(memory.limits().maxTreeRss()));
        mem.put("growth_bytes_per_hour", configured ? figure(s, summary, MemoryWatch.Summary::rssGrowthPerHour) : null);
        mem.put("host_available_bytes", configured ? figure(s, summary, MemoryWatch.Summary::hostAvailable) : null);
        mem.put("reading", configured ? reading(s, summary) : null);
        return mem;
    }

    /**
     * Asks for a restart and, unless told not to, waits until a later generation is healthy. A request that
     * arrives while a stop is in flight is coalesced by the machine and waits for the launch after that stop;
     * one that arrives while a launch is starting stops it, so in every case the next generation is the answer.
     */
    private Map<String, Object> restart(JsonNode request, String user) throws InterruptedException {
        Supervisor.Snapshot before = supervisor.snapshot();
        if (before.state() == State.PAUSED) {
            throw new IllegalArgumentException("the server is paused (by " + before.pausedBy()
                    + "); `glyphctl start` resumes it");
        }
        long target = before.generation() + 1;
        long started = System.nanoTime();
        supervisor.requestRestart(request.path("reason").asText("operator"), user);
        Map<String, Object> m = new LinkedHashMap<>();
        if (!request.path("wait").asBoolean(true)) {
            m.put("requested", true);
            return m;
        }
        Duration timeout = Duration.ofMillis(request.path("timeout_ms").asLong(config.runtime().startupTimeout()
                .plus(config.runtime().stopGrace()).toMillis()));
        Supervisor.Snapshot after = supervisor.await(s -> (s.state() == State.RUNNING && s.generation() >= target)
                || s.state() == State.FAILED || s.state() == State.PAUSED || s.shuttingDown(), timeout);
        boolean healthy = after.state() == State.RUNNING && after.generation() >= target;
        m.put("healthy", healthy);
        m.put("state", after.state().name());
        m.put("generation", after.generation());
        m.put("pid", after.pid() > 0 ? after.pid() : null);
        m.put("took_ms", (System.nanoTime() - started) / 1_000_000);
        return m;
    }

    private Map<String, Object> stop(String user) throws InterruptedException {
        supervisor.pause(user);
        Duration budget = ShutdownBudget.of(config).total();
        Supervisor.Snapshot after = supervisor.await(s -> s.state() == State.PAUSED || s.shuttingDown(), budget);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("state", after.state().name());
        m.put("paused_by", after.pausedBy());
        return m;
    }

    private Map<String, Object> start(String user) throws InterruptedException {
        Supervisor.Snapshot before = supervisor.snapshot();
        supervisor.resume(user);
        Supervisor.Snapshot after = supervisor.await(s -> s.state() != State.PAUSED, Duration.ofSeconds(5));
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("was", before.state().name());
        m.put("state", after.state().name());
        m.put("generation", after.generation());
        return m;
    }
}
