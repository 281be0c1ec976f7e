package dev.glyphsupervisor.config;

import dev.glyphsupervisor.runtime.CacheGlobs;
import dev.glyphsupervisor.probes.inference.InferenceRequest;
import dev.glyphsupervisor.probes.inference.JsonExpectation;
import dev.glyphsupervisor.probes.progress.Engine;
import dev.glyphsupervisor.probes.progress.ProgressMetrics;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.function.Function;

/**
 * Turns the YAML tree into the config records: the key names and the value rules live here, in the order of the
 * documented config; each key is named once, where it is read ({@link Section} learns from the reads which keys a
 * mapping allows). Every default is a {@code DEFAULT_*} constant of the record it fills. Any problem is added to
 * {@link Problems}; the result is only used when there were none.
 */
final class ConfigBinder {

    /** A cause is a label (audit field, metric label): a plain lower-case name. */
    private static final java.util.regex.Pattern CAUSE_NAME = java.util.regex.Pattern.compile("[a-z][a-z0-9_]*");
    /** Faster probing than this is a busy loop against a server that is trying to serve. */
    static final Duration SHORTEST_PROBE_INTERVAL = Duration.ofMillis(100);
    static final long SMALLEST_MAX_BYTES = 1L << 10;

    private final Path file;
    private final Problems problems;
    private final ConfigPaths paths;
    private final Path home;

    /** {@code home}: the user's home directory, against which cache globs are judged. */
    ConfigBinder(Path file, Problems problems, Path home) {
        this.file = file;
        this.problems = problems;
        this.paths = new ConfigPaths(file);
        this.home = home;
    }

    /** The config, or empty when the top level is not a mapping (a problem is added). */
    Optional<SupervisorConfig> bind(YamlNode root) {
        Map<String, Location> locations = locations(root);
        return Section.top(root, problems, top -> topLevel(top, true))
                .map(read -> {
                    List<ServerConfig> servers = read.servers.stream().map(server -> server.apply(read.stateDir)).toList();
                    new StackChecks(problems, locations, read.metrics).check(servers);
                    return servers.isEmpty() ? null : new SupervisorConfig(file, servers, read.stateDir,
                            read.audit.orElseThrow(), read.metrics, ConfigLocations.of(file, locations), read.control);
                });
    }

    /**
     * Only what a glyphctl call needs to find its daemon: {@code state_dir} and {@code control}, by the same rules
     * as {@link #bind}. The other sections are the daemon's business and are not read (nor checked).
     */
    Optional<ControlConfig> bindControl(YamlNode root) {
        return Section.top(root, problems, top -> topLevel(top, false)).map(read -> read.control);
    }

    /**
     * The top level as read; the daemon's sections are empty when passed over (metrics also when off). Each server
     * is complete but for the state directory, read after it.
     */
    private record TopLevel(List<Function<Path, ServerConfig>> servers, Path stateDir, Optional<AuditConfig> audit,
            Optional<MetricsConfig> metrics, ControlConfig control) {
    }

    /** The sections of one server: of the top level in the one-server form, of {@code servers.NAME} otherwise. */
    private static final List<String> SERVER_SECTIONS = List.of("runtime", "probes", "restart");

    /**
     * The top level, read in the order "allowed keys here" lists its keys. Without {@code daemon} the sections only
     * the daemon needs are passed over: allowed, but not read.
     */
    private TopLevel topLevel(Section top, boolean daemon) {
        // A missing state_dir is reported ahead of what the sections find, as it always was (both can point at 1:1).
        Problems.Slot beforeSections = top.slot();
        Section.Read daemonOnly = daemon ? Section.Read.ALWAYS : Section.Read.NEVER;
        boolean serversForm = top.written("servers");
        List<Function<Path, ServerConfig>> servers = new ArrayList<>();
        if (serversForm || !daemon) {
            for (String section : SERVER_SECTIONS) {
                top.section(section, Section.Read.NEVER, ignored -> null);
            }
        } else {
            Function<Path, RuntimeConfig> runtime = top.section("runtime", this::runtime);
            ProbesConfig probes = top.section("probes", this::probes);
            RestartConfig restart = top.section("restart", this::restart);
            servers.add(stateDir -> ServerConfig.only(runtime.apply(stateDir), probes, restart, stateDir));
        }
        Path stateDir = stateDir(top, beforeSections);
        Optional<AuditConfig> audit = top.section("audit", daemonOnly, section -> audit(section, stateDir));
        Optional<MetricsConfig> metrics = top.section("metrics", daemon ? Section.Read.IF_PRESENT : Section.Read.NEVER,
                ConfigBinder::metrics).flatMap(Function.identity());
        ControlConfig control = control(top, stateDir);
        if (daemon) {
            servers.addAll(servers(top, serversForm));
        } else {
            top.section("defaults", Section.Read.NEVER, ignored -> null);
            top.section("servers", Section.Read.NEVER, ignored -> null);
        }
        return new TopLevel(servers, stateDir, audit, metrics, control);
    }

    /**
     * {@code defaults} and {@code servers}: each server is the mapping under its name over the defaults (mappings
     * merge, the server's own keys win; lists and scalars are replaced). A problem in the defaults is reported once,
     * at its place, however many servers it is merged into.
     */
    private List<Function<Path, ServerConfig>> servers(Section top, boolean serversForm) {
        // defaults: its own keys checked once here; only the server sections are merged under each server
        top.optionalSection("defaults", defaults -> {
            SERVER_SECTIONS.forEach(section -> defaults.section(section, Section.Read.NEVER, ignored -> null));
            return Boolean.TRUE;
        });
        Optional<Section.Layer> defaults = top.layer("defaults").map(layer -> new Section.Layer(
                new YamlNode.Mapping(layer.mapping().location(), only(layer.mapping().entries(), SERVER_SECTIONS)), layer.path()));
        if (!serversForm) {
            if (top.written("defaults")) {
                top.problem(top.keyLocationOf("defaults"), "defaults", "defaults are merged under each server of servers;"
                        + " in the one-server form (top-level runtime) write these settings in runtime, probes and restart");
            }
            top.section("servers", Section.Read.NEVER, ignored -> null);
            return List.of();
        }
        for (String section : SERVER_SECTIONS) {
            if (top.written(section)) {
                Location servers = top.keyLocationOf("servers");
                top.problem(top.keyLocationOf(section), section, "a top-level " + section + " is the one-server form, which"
                        + " cannot be mixed with servers (line " + servers.line() + ", column " + servers.column()
                        + "); move it under a server in servers, or under defaults");
            }
        }
        Map<String, Function<Path, ServerConfig>> servers = top.namedSections("servers", defaults, ConfigBinder::nameProblem,
                "expected a mapping of server names to servers (e.g. servers: {vllm: {runtime: {command: [vllm, serve]}}})",
                this::server);
        return List.copyOf(servers.values());
    }

    private static Map<String, YamlNode.Entry> only(Map<String, YamlNode.Entry> entries, List<String> keys) {
        Map<String, YamlNode.Entry> kept = new LinkedHashMap<>();
        entries.forEach((key, entry) -> {
            if (keys.contains(key)) {
                kept.put(key, entry);
            }
        });
        return kept;
    }

    private static Optional<String> nameProblem(String name) {
        if (ServerConfig.validName(name)) {
            return Optional.empty();
        }
        return Optional.of("'" + name + "' is not a server name; use lower-case letters, digits, _ and -, starting with"
                + " a letter, at most " + ServerConfig.MAX_NAME_LENGTH + " characters (e.g. vllm, ui, gpu-0)");
    }

    /** One server of the servers form; its state directory is {@code state_dir/servers/NAME}. */
    private Function<Path, ServerConfig> server(String name, Section server) {
        Function<Path, RuntimeConfig> runtime = server.section("runtime", this::runtime);
        ProbesConfig probes = server.section("probes", this::probes);
        RestartConfig restart = server.section("restart", this::restart);
        List<String> requires = server.stringList("requires").orElse(List.of());
        return stateDir -> {
            Path own = stateDir.resolve(ServerConfig.SERVERS_DIR).resolve(name).normalize();
            return new ServerConfig(name, runtime.apply(own), probes, restart, requires, own, false);
        };
    }

    private Path stateDir(Section top, Problems.Slot missingAt) {
        return path(top, "state_dir").orElseGet(() -> {
            if (top.value("state_dir").isEmpty()) {
                top.missing("state_dir", "state_dir: /var/lib/glyph-supervisor", missingAt);
            }
            return paths.configDir();
        });
    }

    /** All of {@code runtime} but the default log, which lives in state_dir (read after this section). */
    private Function<Path, RuntimeConfig> runtime(Section runtime) {
        List<String> command = runtime.stringList("command").map(this::expandAll).orElse(List.of());
        if (runtime.value("command").isEmpty()) {
            runtime.missing("command", "command: [\"bash\", \"serve.sh\"]");
        } else if (runtime.value("command").get() instanceof YamlNode.Sequence sequence && sequence.items().isEmpty()) {
            runtime.problem("command", "must not be empty; name the program to run, e.g. [\"bash\", \"serve.sh\"]");
        }
        Path workdir = path(runtime, "workdir").orElse(paths.configDir());
        Map<String, String> env = new LinkedHashMap<>();
        runtime.stringMap("env").forEach((name, value) -> {
            if (name.isEmpty() || name.contains("=")) {
                runtime.problem(runtime.locationOf("env"), "env." + name,
                        "'" + name + "' cannot be an environment variable name");
            }
            env.put(name, paths.expand(value));
        });
        OptionalInt port = runtime.optionalInteger("port", 1, 65535);
        Duration startupTimeout = runtime.duration("startup_timeout", RuntimeConfig.DEFAULT_STARTUP_TIMEOUT, Section.POSITIVE);
        Duration stopGrace = runtime.duration("stop_grace", RuntimeConfig.DEFAULT_STOP_GRACE, Duration.ZERO);
        Optional<Path> log = path(runtime, "log");
        long logMaxBytes = runtime.size("log_max_size", RuntimeConfig.DEFAULT_LOG_MAX_BYTES, SMALLEST_MAX_BYTES);
        List<String> caches = caches(runtime);
        return stateDir -> new RuntimeConfig(command, workdir, env, port, startupTimeout, stopGrace,
                log.orElse(stateDir.resolve(RuntimeConfig.DEFAULT_LOG_NAME)), logMaxBytes, caches, home);
    }

    /** Checked with the same rule the cache cleaner applies before it deletes anything. */
    private List<String> caches(Section runtime) {
        List<String> globs = runtime.stringList("caches").orElse(List.of());
        List<String> safe = new ArrayList<>();
        for (int i = 0; i < globs.size(); i++) {
            String itemPath = "caches[" + i + "]";
            Location location = itemLocation(runtime, "caches", i);
            try {
                // Normalized after expansion, so that "${config_dir}/../run/cache/**" is judged (and cleared)
                // as the directory it names, and "/tmp/../**" as the "/**" it is.
                String glob = paths.expandStrictly(globs.get(i));
                if (glob.startsWith("/")) {
                    glob = Path.of(glob).normalize().toString();
                }
                Optional<String> unsafe = CacheGlobs.unsafeReason(glob, home);
                if (unsafe.isPresent()) {
                    runtime.problem(location, itemPath, unsafe.get());
                } else {
                    safe.add(glob);
                }
            } catch (IllegalArgumentException bad) {
                runtime.problem(location, itemPath, bad.getMessage());
            }
        }
        return safe;
    }

    private ProbesConfig probes(Section probes) {
        ProbeSchedule schedule = schedule(probes);
        int failureThreshold = probes.integer("failure_threshold", ProbesConfig.DEFAULT_FAILURE_THRESHOLD, 1, 100);
        Duration startupInterval = probes.duration("startup_interval", ProbesConfig.DEFAULT_STARTUP_INTERVAL,
                SHORTEST_PROBE_INTERVAL);
        Duration tcpTimeout = probes.duration("tcp_timeout", ProbesConfig.DEFAULT_TCP_TIMEOUT, Section.POSITIVE);
        Optional<HttpProbeConfig> http = probes.optionalSection("http", this::http).flatMap(Function.identity());
        Optional<GpuProbeConfig> gpu = probes.optionalSection("gpu", this::gpu);
        Optional<HostProbeConfig> host = probes.optionalSection("host", ConfigBinder::host);
        Duration trendWindow = probes.duration("trend_window", ProbesConfig.DEFAULT_TREND_WINDOW, Duration.ofMinutes(1));
        Optional<Duration> earlyRestart = probes.optionalDuration("early_restart", Section.POSITIVE);
        Optional<ProgressProbeConfig> progress = probes.optionalSection("progress", this::progress).flatMap(Function.identity());
        Optional<InferenceProbeConfig> inference = probes.optionalSection("inference", this::inference)
                .flatMap(Function.identity());
        return new ProbesConfig(schedule, failureThreshold, startupInterval, tcpTimeout, http, gpu, host, progress, inference,
                trendWindow,
                earlyRestart);
    }

    /**
     * The control socket; a Unix socket path holds at most 107 bytes, so a longer one is refused here, before
     * the daemon takes its lock. The default one lives in state_dir, so a long state_dir is refused too.
     */
    private ControlConfig control(Section top, Path stateDir) {
        Path defaultSocket = stateDir.resolve(ControlConfig.DEFAULT_SOCKET_NAME);
        return top.optionalSection("control", control -> control(control, top, defaultSocket)).orElseGet(() -> {
            checkDefaultSocketLength(top, defaultSocket);
            return ControlConfig.defaults(stateDir);
        });
    }

    private ControlConfig control(Section control, Section top, Path defaultSocket) {
        Optional<Path> configured = path(control, "socket");
        if (configured.isEmpty()) {
            checkDefaultSocketLength(top, defaultSocket);
        } else if (tooLongForASocket(configured.get())) {
            control.problem("socket", "'" + configured.get() + "' is longer than the " + MAX_SOCKET_PATH_BYTES
                    + " bytes a Unix socket path may have");
        }
        Path socket = configured.orElse(defaultSocket);
        int mode = ControlConfig.DEFAULT_MODE;
        Optional<String> modeText = control.text("mode");
        if (modeText.isPresent()) {
            if (modeText.get().matches("0?[0-7]{3}")) {
                mode = Integer.parseInt(modeText.get(), 8);
            } else {
                control.problem("mode", "expected octal permission bits like \"0660\", got " + modeText.get());
            }
        }
        return new ControlConfig(socket, mode, control.text("group"));
    }

    /** sun_path is 108 bytes on Linux, one of them the terminating NUL. */
    static final int MAX_SOCKET_PATH_BYTES = 107;

    private static void checkDefaultSocketLength(Section top, Path socket) {
        if (top.value("state_dir").isPresent() && tooLongForASocket(socket)) { // a missing state_dir is reported already
            top.problem("state_dir", "the control socket in it, '" + socket + "', would be longer than the "
                    + MAX_SOCKET_PATH_BYTES + " bytes a Unix socket path may have; set control.socket to a shorter path");
        }
    }

    private static boolean tooLongForASocket(Path socket) {
        return socket.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8).length > MAX_SOCKET_PATH_BYTES;
    }

    private GpuProbeConfig gpu(Section gpu) {
        List<String> devices = gpu.stringList("devices").orElse(List.of());
        OptionalLong maxProcess = gpu.optionalSize("max_process_memory", 1);
        Optional<MemoryLimit> maxDevice = gpu.text("max_device_memory").flatMap(text -> {
            try {
                return Optional.of(MemoryLimit.parse(text));
            } catch (IllegalArgumentException bad) {
                gpu.problem("max_device_memory", bad.getMessage());
                return Optional.empty();
            }
        });
        Optional<Path> library = path(gpu, "library");
        Duration releaseTimeout = gpu.duration("release_timeout", GpuProbeConfig.DEFAULT_RELEASE_TIMEOUT, Duration.ZERO);
        long releaseMargin = gpu.size("release_margin", GpuProbeConfig.DEFAULT_RELEASE_MARGIN, 0);
        return new GpuProbeConfig(devices, maxProcess, maxDevice, library, releaseTimeout, releaseMargin);
    }

    private static HostProbeConfig host(Section host) {
        return new HostProbeConfig(host.optionalSize("max_rss", 1), host.optionalSize("min_available", 1));
    }

    private ProbeSchedule schedule(Section probes) {
        return schedule(probes, ProbesConfig.DEFAULT_SCHEDULE);
    }

    /** The section's {@code schedule}: an interval ("30s") or a Quartz cron; {@code fallback} when absent. */
    private static ProbeSchedule schedule(Section section, String fallbackText) {
        ProbeSchedule fallback = ProbeSchedule.parse(fallbackText);
        Optional<String> text = section.text("schedule");
        if (text.isEmpty()) {
            return fallback;
        }
        try {
            ProbeSchedule schedule = ProbeSchedule.parse(text.get());
            if (schedule instanceof IntervalProbeSchedule interval && interval.every().compareTo(SHORTEST_PROBE_INTERVAL) < 0) {
                section.problem("schedule", "an interval must be at least " + HumanDuration.format(SHORTEST_PROBE_INTERVAL)
                        + ", got " + text.get());
                return fallback;
            }
            return schedule;
        } catch (IllegalArgumentException bad) {
            section.problem("schedule", bad.getMessage());
            return fallback;
        }
    }

    /** {@code probes.progress}: an engine preset or the metric names, and the stall limit. */
    private Optional<ProgressProbeConfig> progress(Section progress) {
        Optional<URI> url = progress.text("url").flatMap(text -> url(progress, text));
        Optional<String> engineName = progress.text("engine");
        Optional<Engine> engine = engineName.flatMap(name -> {
            Optional<Engine> known = Engine.byName(name);
            if (known.isEmpty()) {
                progress.problem("engine", "'" + name + "' is not an engine preset; use one of "
                        + String.join(", ", Engine.names()) + ", or name the metrics with pending and progress");
            }
            return known;
        });
        Optional<List<String>> pending = progress.stringList("pending");
        Optional<String> counter = progress.text("progress");
        Duration stallAfter = progress.duration("stall_after", ProgressProbeConfig.DEFAULT_STALL_AFTER, Duration.ofSeconds(1));
        Duration timeout = progress.duration("timeout", ProgressProbeConfig.DEFAULT_TIMEOUT, Section.POSITIVE);
        Optional<ProgressMetrics> metrics = Optional.empty();
        if (progress.value("engine").isPresent()) {
            for (String key : List.of("pending", "progress")) {
                if (progress.value(key).isPresent()) {
                    progress.problem(key, "give either engine (a preset of the metric names) or pending and progress,"
                            + " not both");
                }
            }
            metrics = engine.map(Engine::metrics);
        } else if (progress.value("pending").isEmpty() && progress.value("progress").isEmpty()) {
            progress.missing("engine", "engine: vllm   (or " + String.join(", ", Engine.names())
                    + "; or pending: [METRIC, ...] and progress: METRIC)");
        } else if (progress.value("pending").isEmpty()) {
            progress.missing("pending", "pending: [vllm:num_requests_running, vllm:num_requests_waiting]");
        } else if (progress.value("progress").isEmpty()) {
            progress.missing("progress", "progress: vllm:iteration_tokens_total_count   (a counter that moves on every"
                    + " engine step)");
        } else if (pending.isPresent() && counter.isPresent()) {
            metrics = metricNames(progress, pending.get(), counter.get());
        }
        return metrics.map(m -> new ProgressProbeConfig(url, engine, m, stallAfter, timeout));
    }

    private static Optional<ProgressMetrics> metricNames(Section progress, List<String> pending, String counter) {
        boolean good = true;
        if (pending.isEmpty()) {
            progress.problem("pending", "must name at least one metric (requests running, waiting)");
            good = false;
        }
        for (int i = 0; i < pending.size(); i++) {
            if (!ProgressMetrics.isMetricName(pending.get(i))) {
                progress.problem(itemLocation(progress, "pending", i), "pending[" + i + "]",
                        "'" + pending.get(i) + "' is not a Prometheus metric name");
                good = false;
            }
        }
        if (!ProgressMetrics.isMetricName(counter)) {
            progress.problem("progress", "'" + counter + "' is not a Prometheus metric name");
            good = false;
        }
        return good ? Optional.of(new ProgressMetrics(pending, counter)) : Optional.empty();
    }

    /** {@code probes.inference}: one real request, what its answer must be, and its own schedule. */
    private Optional<InferenceProbeConfig> inference(Section inference) {
        Optional<URI> url = inference.text("url").flatMap(text -> url(inference, text));
        if (inference.value("url").isEmpty()) {
            inference.missing("url", "url: \"http://127.0.0.1:8000/v1/chat/completions\"");
        }
        Optional<byte[]> body = inference.text("body").map(text -> text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        Optional<Path> bodyFile = path(inference, "body_file");
        if (inference.value("body").isPresent() && inference.value("body_file").isPresent()) {
            inference.problem("body_file", "give the request body inline (body) or from a file (body_file), not both");
        } else if (bodyFile.isPresent()) {
            try {
                body = Optional.of(java.nio.file.Files.readAllBytes(bodyFile.get()));
            } catch (java.io.IOException | SecurityException unreadable) {
                inference.problem("body_file", "cannot read '" + bodyFile.get() + "': " + unreadable);
            }
        }
        String method = inference.text("method").orElse(body.isPresent() ? "POST" : "GET");
        if (!method.matches("[A-Z]{1,16}")) {
            inference.problem("method", "'" + method + "' is not an HTTP method; write it in capitals, e.g. POST");
        } else if (body.isPresent() && (method.equals("GET") || method.equals("HEAD"))) {
            inference.problem("method", method + " sends no request body, and this probe has one; use POST");
        }
        Map<String, String> headers = inference.stringMap("headers");
        int expectStatus = inference.integer("expect_status", HttpProbeConfig.DEFAULT_EXPECT_STATUS, 100, 599);
        Optional<JsonExpectation> expect = inference.optionalSection("expect_json", ConfigBinder::expectJson)
                .flatMap(Function.identity());
        Duration timeout = inference.duration("timeout", HttpProbeConfig.DEFAULT_TIMEOUT, Section.POSITIVE);
        Optional<Duration> slowAfter = inference.optionalDuration("slow_after", Section.POSITIVE);
        int problems = inference.problemCount();
        if (slowAfter.isPresent() && slowAfter.get().compareTo(timeout) >= 0) {
            inference.problem("slow_after", "must be less than timeout (" + HumanDuration.format(timeout)
                    + "): an answer later than the timeout is a failure, not a slow answer");
        }
        boolean restartOnSlow = inference.bool("restart_on_slow", false);
        if (restartOnSlow && inference.value("slow_after").isEmpty()) {
            inference.problem("restart_on_slow", "needs slow_after: the time above which an answer counts as slow");
        }
        ProbeSchedule schedule = schedule(inference, InferenceProbeConfig.DEFAULT_SCHEDULE);
        int threshold = inference.integer("failure_threshold", InferenceProbeConfig.DEFAULT_FAILURE_THRESHOLD, 1, 100);
        if (url.isEmpty() || inference.problemCount() > problems) {
            return Optional.empty();
        }
        try {
            InferenceRequest request = new InferenceRequest(url.get(), method, headers, body, expectStatus, expect,
                    timeout, slowAfter);
            return Optional.of(new InferenceProbeConfig(request, schedule, threshold, restartOnSlow));
        } catch (IllegalArgumentException bad) {
            inference.problem("headers", bad.getMessage());
            return Optional.empty();
        }
    }

    private static Optional<JsonExpectation> expectJson(Section expect) {
        Optional<String> pointer = expect.text("pointer");
        if (expect.value("pointer").isEmpty()) {
            expect.missing("pointer", "pointer: /choices/0/message/content");
        }
        Optional<String> equals = expect.text("equals");
        Optional<java.util.regex.Pattern> matches = expect.text("matches").flatMap(text -> {
            try {
                return Optional.of(java.util.regex.Pattern.compile(text));
            } catch (java.util.regex.PatternSyntaxException bad) {
                expect.problem("matches", "'" + text + "' is not a regular expression: " + bad.getDescription()
                        + (bad.getIndex() >= 0 ? " near index " + bad.getIndex() : ""));
                return Optional.empty();
            }
        });
        return pointer.flatMap(p -> {
            try {
                return Optional.of(new JsonExpectation(p, equals, matches));
            } catch (IllegalArgumentException bad) {
                expect.problem("pointer", bad.getMessage() + " (RFC 6901, e.g. /choices/0/message/content)");
                return Optional.empty();
            }
        });
    }

    private Optional<HttpProbeConfig> http(Section http) {
        Optional<URI> url = http.text("url").flatMap(text -> url(http, text));
        if (http.value("url").isEmpty()) {
            http.missing("url", "url: \"http://127.0.0.1:8000/health\"");
        }
        Duration timeout = http.duration("timeout", HttpProbeConfig.DEFAULT_TIMEOUT, Section.POSITIVE);
        int expectStatus = http.integer("expect_status", HttpProbeConfig.DEFAULT_EXPECT_STATUS, 100, 599);
        Optional<String> expectBody = http.text("expect_body");
        if (expectBody.isPresent() && expectBody.get().isEmpty()) {
            http.problem("expect_body", "an empty expect_body matches every body; leave the key out instead");
        }
        return url.map(u -> new HttpProbeConfig(u, timeout, expectStatus, expectBody));
    }

    private static Optional<URI> url(Section http, String text) {
        try {
            URI url = new URI(text);
            if (url.getScheme() == null) {
                http.problem("url", "'" + text + "' has no scheme; write it as http://host:port/path");
            } else if (!url.getScheme().equalsIgnoreCase("http") && !url.getScheme().equalsIgnoreCase("https")) {
                http.problem("url", "'" + text + "' uses " + url.getScheme() + "; only http and https are probed");
            } else if (url.getHost() == null) {
                http.problem("url", "'" + text + "' has no host; write it as " + url.getScheme() + "://127.0.0.1:port/path");
            } else {
                return Optional.of(url);
            }
        } catch (URISyntaxException invalid) {
            http.problem("url", "'" + text + "' is not a URI: " + invalid.getReason() + " at index " + invalid.getIndex());
        }
        return Optional.empty();
    }

    private RestartConfig restart(Section restart) {
        int problemsBefore = restart.problemCount();
        Duration backoffInitial = restart.duration("backoff_initial", RestartConfig.DEFAULT_BACKOFF_INITIAL, Section.POSITIVE);
        Duration backoffMax = restart.duration("backoff_max", RestartConfig.DEFAULT_BACKOFF_MAX, Section.POSITIVE);
        // Compared only when both were read: a default standing in for a bad value would make a second, false complaint.
        if (restart.problemCount() == problemsBefore && backoffMax.compareTo(backoffInitial) < 0) {
            restart.problem("backoff_max", "must be at least backoff_initial (" + HumanDuration.format(backoffInitial)
                    + "), got " + HumanDuration.format(backoffMax));
        }
        Duration backoffReset = restart.duration("backoff_reset", RestartConfig.DEFAULT_BACKOFF_RESET, Section.POSITIVE);
        Duration killTimeout = restart.duration("kill_timeout", RestartConfig.DEFAULT_KILL_TIMEOUT, Section.POSITIVE);
        Duration releaseTimeout = restart.duration("release_timeout", RestartConfig.DEFAULT_RELEASE_TIMEOUT, Duration.ZERO);
        CrashLoopConfig crashLoop = restart.section("crash_loop", ConfigBinder::crashLoop);
        Optional<CronProbeSchedule> maintenance = restart.text("maintenance").flatMap(text -> {
            try {
                return Optional.of(new CronProbeSchedule(text));
            } catch (IllegalArgumentException bad) {
                restart.problem("maintenance", bad.getMessage());
                return Optional.empty();
            }
        });
        Duration skipWithin = restart.duration("maintenance_skip_within", RestartConfig.DEFAULT_MAINTENANCE_SKIP_WITHIN,
                Duration.ZERO);
        List<CauseConfig> causes = restart.sections("causes", ConfigBinder::cause).stream().flatMap(Optional::stream).toList();
        int hopelessAfter = restart.integer("hopeless_after", RestartConfig.DEFAULT_HOPELESS_AFTER, 1, 100);
        return new RestartConfig(backoffInitial, backoffMax, backoffReset, crashLoop, killTimeout, releaseTimeout,
                maintenance, skipWithin, causes, hopelessAfter);
    }

    private static CrashLoopConfig crashLoop(Section crashLoop) {
        return new CrashLoopConfig(
                crashLoop.integer("max_restarts", CrashLoopConfig.DEFAULT_MAX_RESTARTS, 1, Integer.MAX_VALUE),
                crashLoop.duration("window", CrashLoopConfig.DEFAULT_WINDOW, Section.POSITIVE));
    }

    /** One of the user's rows of the cause table; its pattern is compiled here, so a bad one is refused at load. */
    private static Optional<CauseConfig> cause(Section row) {
        Optional<String> cause = row.text("cause");
        if (row.value("cause").isEmpty()) {
            row.missing("cause", "cause: hf_token_missing");
        } else if (cause.isPresent() && !CAUSE_NAME.matcher(cause.get()).matches()) {
            row.problem("cause", "'" + cause.get() + "' is not a cause name; use lower-case letters, digits and _,"
                    + " starting with a letter (e.g. hf_token_missing)");
            cause = Optional.empty();
        } else if (cause.isPresent() && cause.get().equals("unknown")) {
            row.problem("cause", "'unknown' is what the supervisor says when no row matches; name the cause");
            cause = Optional.empty();
        }
        Optional<String> pattern = row.text("pattern");
        if (row.value("pattern").isEmpty()) {
            row.missing("pattern", "pattern: \"401 Client Error\"");
        } else if (pattern.isPresent() && pattern.get().isEmpty()) {
            row.problem("pattern", "must not be empty (it would find every line)");
            pattern = Optional.empty();
        } else if (pattern.isPresent()) {
            try {
                java.util.regex.Pattern.compile(pattern.get());
            } catch (java.util.regex.PatternSyntaxException bad) {
                row.problem("pattern", "'" + pattern.get() + "' is not a regular expression: " + bad.getDescription()
                        + (bad.getIndex() >= 0 ? " near index " + bad.getIndex() : ""));
                pattern = Optional.empty();
            }
        }
        boolean retry = row.bool("retry", CauseConfig.DEFAULT_RETRY);
        return cause.isPresent() && pattern.isPresent()
                ? Optional.of(new CauseConfig(cause.get(), pattern.get(), retry)) : Optional.empty();
    }

    private AuditConfig audit(Section audit, Path stateDir) {
        Path path = path(audit, "path").orElse(stateDir.resolve(AuditConfig.DEFAULT_FILE_NAME));
        long maxBytes = audit.size("max_size", AuditConfig.DEFAULT_MAX_BYTES, SMALLEST_MAX_BYTES);
        int keep = audit.integer("keep", AuditConfig.DEFAULT_KEEP, 1, 1000);
        return new AuditConfig(path, maxBytes, keep);
    }

    /** Off unless the section is there; once it is, {@code listen} is required, so a typo cannot silently mean "off". */
    private static Optional<MetricsConfig> metrics(Section metrics) {
        if (metrics.value("listen").isEmpty()) {
            metrics.missing("listen", "listen: \"127.0.0.1:9464\"");
            return Optional.empty();
        }
        return metrics.text("listen").flatMap(text -> {
            try {
                return Optional.of(MetricsConfig.parseListen(text));
            } catch (IllegalArgumentException bad) {
                metrics.problem("listen", bad.getMessage());
                return Optional.empty();
            }
        });
    }

    private Optional<Path> path(Section section, String key) {
        return section.text(key).flatMap(text -> {
            try {
                return Optional.of(paths.resolve(text));
            } catch (IllegalArgumentException bad) {
                section.problem(key, bad.getMessage());
                return Optional.empty();
            }
        });
    }

    private List<String> expandAll(List<String> words) {
        return words.stream().map(paths::expand).toList();
    }

    private static Location itemLocation(Section section, String key, int index) {
        return section.value(key)
                .filter(YamlNode.Sequence.class::isInstance)
                .map(list -> ((YamlNode.Sequence) list).items().get(index).location())
                .orElse(section.locationOf(key));
    }

    /** Every node's location by key path, for messages about the config after it has loaded. */
    private static Map<String, Location> locations(YamlNode root) {
        Map<String, Location> byPath = new LinkedHashMap<>();
        collect(root, "", byPath);
        return byPath;
    }

    private static void collect(YamlNode node, String path, Map<String, Location> byPath) {
        byPath.put(path, node.location());
        if (node instanceof YamlNode.Mapping mapping) {
            mapping.entries().forEach((key, entry) -> collect(entry.value(), path.isEmpty() ? key : path + "." + key, byPath));
        } else if (node instanceof YamlNode.Sequence sequence) {
            for (int i = 0; i < sequence.items().size(); i++) {
                collect(sequence.items().get(i), path + "[" + i + "]", byPath);
            }
        }
    }
}
