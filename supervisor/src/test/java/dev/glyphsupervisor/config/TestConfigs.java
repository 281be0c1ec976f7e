package dev.glyphsupervisor.config;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * Configs built in code, for tests: {@link #config} starts from what the loader makes of a file with only
 * {@code runtime.command} and {@code state_dir}, and a test sets only the parts it is about. Built this way, a config
 * knows no line of any file ({@link ConfigLocations#unknown}); it still equals a loaded one with the same values.
 */
public final class TestConfigs {

    private TestConfigs() {
    }

    /** A builder for the config of {@code source}, with its state directory. */
    public static Builder config(Path source, Path stateDir) {
        return new Builder(source, stateDir);
    }

    /** The probes section with every default. */
    public static ProbesConfig defaultProbes() {
        return new ProbesConfig(new CronProbeSchedule(ProbesConfig.DEFAULT_SCHEDULE), ProbesConfig.DEFAULT_FAILURE_THRESHOLD,
                ProbesConfig.DEFAULT_STARTUP_INTERVAL, ProbesConfig.DEFAULT_TCP_TIMEOUT, Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.empty(), Optional.empty(), ProbesConfig.DEFAULT_TREND_WINDOW, Optional.empty());
    }

    /** The restart section with every default. */
    public static RestartConfig defaultRestart() {
        return new RestartConfig(RestartConfig.DEFAULT_BACKOFF_INITIAL, RestartConfig.DEFAULT_BACKOFF_MAX,
                RestartConfig.DEFAULT_BACKOFF_RESET,
                new CrashLoopConfig(CrashLoopConfig.DEFAULT_MAX_RESTARTS, CrashLoopConfig.DEFAULT_WINDOW),
                RestartConfig.DEFAULT_KILL_TIMEOUT, RestartConfig.DEFAULT_RELEASE_TIMEOUT, Optional.empty(),
                RestartConfig.DEFAULT_MAINTENANCE_SKIP_WITHIN, java.util.List.of(), RestartConfig.DEFAULT_HOPELESS_AFTER);
    }

    /** The audit section with every default, under {@code stateDir}. */
    public static AuditConfig defaultAudit(Path stateDir) {
        return new AuditConfig(stateDir.resolve(AuditConfig.DEFAULT_FILE_NAME), AuditConfig.DEFAULT_MAX_BYTES,
                AuditConfig.DEFAULT_KEEP);
    }

    public static final class Builder {

        private final Path source;
        private final Path stateDir;
        private RuntimeConfig runtime;
        private ProbesConfig probes = defaultProbes();
        private RestartConfig restart = defaultRestart();
        private AuditConfig audit;
        private Optional<MetricsConfig> metrics = Optional.empty();
        private ControlConfig control;

        private Builder(Path source, Path stateDir) {
            this.source = Objects.requireNonNull(source, "source");
            this.stateDir = Objects.requireNonNull(stateDir, "stateDir");
            this.audit = defaultAudit(stateDir);
            this.control = ControlConfig.defaults(stateDir);
        }

        /** Required: a runtime has no default command. */
        public Builder runtime(RuntimeConfig runtime) {
            this.runtime = runtime;
            return this;
        }

        public Builder probes(ProbesConfig probes) {
            this.probes = probes;
            return this;
        }

        public Builder restart(RestartConfig restart) {
            this.restart = restart;
            return this;
        }

        public Builder audit(AuditConfig audit) {
            this.audit = audit;
            return this;
        }

        public Builder metrics(MetricsConfig metrics) {
            this.metrics = Optional.of(metrics);
            return this;
        }

        public Builder control(ControlConfig control) {
            this.control = control;
            return this;
        }

        public SupervisorConfig build() {
            Objects.requireNonNull(runtime, "runtime: set it, a config has no default command");
            return new SupervisorConfig(source, java.util.List.of(ServerConfig.only(runtime, probes, restart, stateDir)),
                    stateDir, audit, metrics, ConfigLocations.unknown(source), control);
        }
    }
}
