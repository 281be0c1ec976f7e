package dev.glyphsupervisor.config;

import dev.glyphsupervisor.runtime.CacheGlobs;
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

/**
 * Turns the YAML tree into the config records: the key names, the defaults and the value rules live
 * here, in the order of the documented config. Any problem is added to {@link Problems}; the result is
 * only used when there were none.
 */
final class ConfigBinder {

    static final List<String> TOP_KEYS = List.of("runtime", "probes", "restart", "state_dir", "audit", "metrics",
            "control");
    static final List<String> CONTROL_KEYS = List.of("socket", "mode", "group");
    static final List<String> RUNTIME_KEYS = List.of("command", "workdir", "env", "port", "startup_timeout",
            "stop_grace", "log", "log_max_size", "caches");
    static final List<String> PROBES_KEYS = List.of("schedule", "failure_threshold", "startup_interval", "tcp_timeout", "http",
            "gpu", "host", "trend_window", "early_restart");
    static final List<String> GPU_KEYS = List.of("devices", "max_process_memory", "max_device_memory", "library",
            "release_timeout", "release_margin");
    static final List<String> HOST_KEYS = List.of("max_rss", "min_available");
    static final List<String> HTTP_KEYS = List.of("url", "timeout", "expect_status", "expect_body");
    static final List<String> RESTART_KEYS = List.of("backoff_initial", "backoff_max", "backoff_reset", "kill_timeout",
            "release_timeout", "crash_loop", "maintenance", "maintenance_skip_within", "causes", "hopeless_after");
    static final List<String> CAUSE_KEYS = List.of("cause", "pattern", "retry");
    /** A cause is a label (audit field, metric label): a plain lower-case name. */
    private static final java.util.regex.Pattern CAUSE_NAME = java.util.regex.Pattern.compile("[a-z][a-z0-9_]*");
    static final List<String> CRASH_LOOP_KEYS = List.of("max_restarts", "window");
    static final List<String> AUDIT_KEYS = List.of("path", "max_size", "keep");
    static final List<String> METRICS_KEYS = List.of("listen");

    static final String DEFAULT_SCHEDULE = "0 * * * * ?";
    /** Faster probing than this is a busy loop against a server that is trying to serve. */
    static final Duration SHORTEST_PROBE_INTERVAL = Duration.ofMillis(100);
    static final long DEFAULT_MAX_BYTES = 64L << 20;
    static final long SMALLEST_MAX_BYTES = 1L << 10;

    private final Path file;
    private final Problems problems;
    private final ConfigPaths paths;

    ConfigBinder(Path file, Problems problems) {
        this.file = file;
        this.problems = problems;
        this.paths = new ConfigPaths(file);
    }

    /** The config, or empty when the top level is not a mapping (a problem is added). */
    Optional<SupervisorConfig> bind(YamlNode root) {
        if (!(root instanceof YamlNode.Mapping mapping)) {
            problems.add(root.location(), "", "the top level must be a mapping with the keys "
                    + String.join(", ", TOP_KEYS) + ", got " + root.describe());
            return Optional.empty();
        }
        Section top = new Section(mapping, "", problems, TOP_KEYS);
        Path stateDir = stateDir(top);
        return Optional.of(new SupervisorConfig(file,
                runtime(top.section("runtime", RUNTIME_KEYS), stateDir),
                probes(top.section("probes", PROBES_KEYS)),
                restart(top.section("restart", RESTART_KEYS)),
                stateDir,
                audit(top.section("audit", AUDIT_KEYS), stateDir),
                top.value("metrics").isPresent() ? metrics(top.section("metrics", METRICS_KEYS)) : Optional.empty(),
                ConfigLocations.of(file, locations(root)),
                control(top, stateDir)));
    }

    /**
     * Only what a glyphctl call needs to find its daemon: {@code state_dir} and {@code control}, by the same rules
     * as {@link #bind}. The other sections are the daemon's business and are not read (nor checked).
     */
    Optional<ControlConfig> bindControl(YamlNode root) {
        if (!(root instanceof YamlNode.Mapping mapping)) {
            problems.add(root.location(), "", "the top level must be a mapping with the keys "
                    + String.join(", ", TOP_KEYS) + ", got " + root.describe());
            return Optional.empty();
        }
        Section top = new Section(mapping, "", problems, TOP_KEYS);
        return Optional.of(control(top, stateDir(top)));
    }

    private Path stateDir(Section top) {
        return path(top, "state_dir").orElseGet(() -> {
            if (top.value("state_dir").isEmpty()) {
                top.missing("state_dir", "state_dir: /var/lib/glyph-supervisor");
            }
            return paths.configDir();
        });
    }

    private RuntimeConfig runtime(Section runtime, Path stateDir) {
        List<String> command = runtime.stringList("command").map(this::expandAll).orElse(List.of());
        if (runtime.value("command").isEmpty()) {
            runtime.missing("command", "command: [\"bash\", \"serve.sh\"]");
        } else if (runtime.value("command").get() instanceof YamlNode.Sequence sequence && sequence.items().isEmpty()) {
            runtime.problem("command", "must not be empty; name the program to run, e.g. [\"bash\", \"serve.sh\"]");
        }
        Map<String, String> env = new LinkedHashMap<>();
        runtime.stringMap("env").forEach((name, value) -> {
            if (name.isEmpty() || name.contains("=")) {
                problems.add(runtime.locationOf("env"), runtime.keyPath("env") + "." + name,
                        "'" + name + "' cannot be an environment variable name");
            }
            env.put(name, paths.expand(value));
        });
        OptionalInt port = runtime.optionalInteger("port", 1, 65535);
        Duration startupTimeout = runtime.duration("startup_timeout", Duration.ofMinutes(10), Section.POSITIVE);
        Duration stopGrace = runtime.duration("stop_grace", Duration.ofSeconds(20), Duration.ZERO);
        Path workdir = path(runtime, "workdir").orElse(paths.configDir());
        Path log = path(runtime, "log").orElse(stateDir.resolve("runtime.log"));
        long logMaxBytes = runtime.size("log_max_size", DEFAULT_MAX_BYTES, SMALLEST_MAX_BYTES);
        List<String> caches = caches(runtime);
        return new RuntimeConfig(command, workdir, env, port, startupTimeout, stopGrace, log, logMaxBytes, caches);
    }

    /** Checked with the same rule the cache cleaner applies before it deletes anything. */
    private List<String> caches(Section runtime) {
        List<String> globs = runtime.stringList("caches").orElse(List.of());
        Path home = Path.of(System.getProperty("user.home"));
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
                    problems.add(location, runtime.keyPath(itemPath), unsafe.get());
                } else {
                    safe.add(glob);
                }
            } catch (IllegalArgumentException bad) {
                problems.add(location, runtime.keyPath(itemPath), bad.getMessage());
            }
        }
        return safe;
    }

    private ProbesConfig probes(Section probes) {
        ProbeSchedule schedule = schedule(probes);
        int failureThreshold = probes.integer("failure_threshold", 2, 1, 100);
        Duration startupInterval = probes.duration("startup_interval", Duration.ofSeconds(2), SHORTEST_PROBE_INTERVAL);
        Duration tcpTimeout = probes.duration("tcp_timeout", Duration.ofSeconds(2), Section.POSITIVE);
        Optional<HttpProbeConfig> http = probes.value("http").isPresent()
                ? http(probes.section("http", HTTP_KEYS))
                : Optional.empty();
        Optional<GpuProbeConfig> gpu = probes.value("gpu").isPresent()
                ? Optional.of(gpu(probes.section("gpu", GPU_KEYS)))
                : Optional.empty();
        Optional<HostProbeConfig> host = probes.value("host").isPresent()
                ? Optional.of(host(probes.section("host", HOST_KEYS)))
                : Optional.empty();
        Duration trendWindow = probes.duration("trend_window", ProbesConfig.DEFAULT_TREND_WINDOW, Duration.ofMinutes(1));
        Optional<Duration> earlyRestart = probes.value("early_restart").isPresent()
                ? Optional.of(probes.duration("early_restart", Duration.ZERO, Section.POSITIVE))
                : Optional.empty();
        return new ProbesConfig(schedule, failureThreshold, startupInterval, tcpTimeout, http, gpu, host, trendWindow,
                earlyRestart);
    }

    /**
     * The control socket; a Unix socket path holds at most 107 bytes, so a longer one is refused here, before
     * the daemon takes its lock. The default one lives in state_dir, so a long state_dir is refused too.
     */
    private ControlConfig control(Section top, Path stateDir) {
        Path defaultSocket = stateDir.resolve(ControlConfig.DEFAULT_SOCKET_NAME);
        if (top.value("control").isEmpty()) {
            checkDefaultSocketLength(top, defaultSocket);
            return ControlConfig.defaults(stateDir);
        }
        Section control = top.section("control", CONTROL_KEYS);
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
        OptionalLong maxProcess = gpu.value("max_process_memory").isPresent()
                ? OptionalLong.of(gpu.size("max_process_memory", 0, 1)) : OptionalLong.empty();
        Optional<MemoryLimit> maxDevice = gpu.text("max_device_memory").flatMap(text -> {
            try {
                return Optional.of(MemoryLimit.parse(text));
            } catch (IllegalArgumentException bad) {
                gpu.problem("max_device_memory", bad.getMessage());
                return Optional.empty();
            }
        });
        Optional<Path> library = path(gpu, "library");
        Duration releaseTimeout = gpu.duration("release_timeout", Duration.ofSeconds(60), Duration.ZERO);
        long releaseMargin = gpu.size("release_margin", 512L << 20, 0);
        return new GpuProbeConfig(devices, maxProcess, maxDevice, library, releaseTimeout, releaseMargin);
    }

    private HostProbeConfig host(Section host) {
        OptionalLong maxRss = host.value("max_rss").isPresent()
                ? OptionalLong.of(host.size("max_rss", 0, 1)) : OptionalLong.empty();
        OptionalLong minAvailable = host.value("min_available").isPresent()
                ? OptionalLong.of(host.size("min_available", 0, 1)) : OptionalLong.empty();
        return new HostProbeConfig(maxRss, minAvailable);
    }

    private ProbeSchedule schedule(Section probes) {
        ProbeSchedule fallback = new CronProbeSchedule(DEFAULT_SCHEDULE);
        Optional<String> text = probes.text("schedule");
        if (text.isEmpty()) {
            return fallback;
        }
        try {
            ProbeSchedule schedule = ProbeSchedule.parse(text.get());
            if (schedule instanceof IntervalProbeSchedule interval && interval.every().compareTo(SHORTEST_PROBE_INTERVAL) < 0) {
                probes.problem("schedule", "an interval must be at least " + HumanDuration.format(SHORTEST_PROBE_INTERVAL)
                        + ", got " + text.get());
                return fallback;
            }
            return schedule;
        } catch (IllegalArgumentException bad) {
            probes.problem("schedule", bad.getMessage());
            return fallback;
        }
    }

    private Optional<HttpProbeConfig> http(Section http) {
        Optional<URI> url = http.text("url").flatMap(text -> url(http, text));
        if (http.value("url").isEmpty()) {
            http.missing("url", "url: \"http://127.0.0.1:8000/health\"");
        }
        Duration timeout = http.duration("timeout", Duration.ofSeconds(10), Section.POSITIVE);
        int expectStatus = http.integer("expect_status", 200, 100, 599);
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
        int problemsBefore = problems.count();
        Duration backoffInitial = restart.duration("backoff_initial", Duration.ofSeconds(2), Section.POSITIVE);
        Duration backoffMax = restart.duration("backoff_max", Duration.ofMinutes(5), Section.POSITIVE);
        // Compared only when both were read: a default standing in for a bad value would make a second, false complaint.
        if (problems.count() == problemsBefore && backoffMax.compareTo(backoffInitial) < 0) {
            restart.problem("backoff_max", "must be at least backoff_initial (" + HumanDuration.format(backoffInitial)
                    + "), got " + HumanDuration.format(backoffMax));
        }
        Duration backoffReset = restart.duration("backoff_reset", Duration.ofMinutes(5), Section.POSITIVE);
        Duration killTimeout = restart.duration("kill_timeout", Duration.ofSeconds(10), Section.POSITIVE);
        Duration releaseTimeout = restart.duration("release_timeout", Duration.ofSeconds(30), Duration.ZERO);
        Section crashLoop = restart.section("crash_loop", CRASH_LOOP_KEYS);
        CrashLoopConfig crashLoopConfig = new CrashLoopConfig(
                crashLoop.integer("max_restarts", 5, 1, Integer.MAX_VALUE),
                crashLoop.duration("window", Duration.ofMinutes(10), Section.POSITIVE));
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
        List<CauseConfig> causes = causes(restart);
        int hopelessAfter = restart.integer("hopeless_after", RestartConfig.DEFAULT_HOPELESS_AFTER, 1, 100);
        return new RestartConfig(backoffInitial, backoffMax, backoffReset, crashLoopConfig, killTimeout, releaseTimeout,
                maintenance, skipWithin, causes, hopelessAfter);
    }

    /** The user's rows of the cause table; each pattern is compiled here, so a bad one is refused at load. */
    private static List<CauseConfig> causes(Section restart) {
        List<CauseConfig> causes = new ArrayList<>();
        for (Section row : restart.sections("causes", CAUSE_KEYS, "{cause, pattern, retry} mappings")) {
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
            boolean retry = row.bool("retry", true);
            if (cause.isPresent() && pattern.isPresent()) {
                causes.add(new CauseConfig(cause.get(), pattern.get(), retry));
            }
        }
        return causes;
    }

    private AuditConfig audit(Section audit, Path stateDir) {
        Path path = path(audit, "path").orElse(stateDir.resolve("audit.jsonl"));
        long maxBytes = audit.size("max_size", DEFAULT_MAX_BYTES, SMALLEST_MAX_BYTES);
        int keep = audit.integer("keep", 5, 1, 1000);
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
