package dev.glyphsupervisor.daemon;

import dev.glyphsupervisor.config.GpuProbeConfig;
import dev.glyphsupervisor.config.HostProbeConfig;
import dev.glyphsupervisor.config.ServerConfig;
import dev.glyphsupervisor.core.CoreSettings;
import dev.glyphsupervisor.core.DeviceLimit;
import dev.glyphsupervisor.core.FailureCause;
import dev.glyphsupervisor.core.FailureCauses;
import dev.glyphsupervisor.core.MemoryLimits;

import java.util.Optional;
import java.util.OptionalLong;

/** The config, as core's own types: core does not know the config records. The one place they are mapped. */
public final class CoreConfig {

    private CoreConfig() {
    }

    /** What the state machine needs to know. */
    static CoreSettings settings(ServerConfig config) {
        return new CoreSettings(
                config.runtime().startupTimeout(),
                config.probes().failureThreshold(),
                config.restart().backoffInitial(),
                config.restart().backoffMax(),
                config.restart().backoffReset(),
                config.restart().crashLoop().maxRestarts(),
                config.restart().crashLoop().window(),
                config.restart().maintenanceSkipWithin(),
                causes(config),
                config.restart().hopelessAfter(),
                config.probes().inference().map(i -> i.failureThreshold())
                        .orElse(CoreSettings.DEFAULT_INFERENCE_FAILURE_THRESHOLD),
                config.probes().inference().map(i -> i.restartOnSlow()).orElse(false));
    }

    /** The cause table: the user's rows (restart.causes), then the built-in ones. */
    static FailureCauses causes(ServerConfig config) {
        return new FailureCauses(config.restart().causes().stream()
                .map(c -> new FailureCause(c.cause(), c.pattern(), c.retry())).toList());
    }

    /**
     * The memory limits of probes.gpu and probes.host, each empty where not set (or where its probe is not
     * configured). The device limit keeps the configured value's own rule for a size or a share of the total.
     */
    public static MemoryLimits limits(ServerConfig config) {
        Optional<GpuProbeConfig> gpu = config.probes().gpu();
        Optional<HostProbeConfig> host = config.probes().host();
        return new MemoryLimits(
                gpu.map(GpuProbeConfig::maxProcessMemory).orElse(OptionalLong.empty()),
                gpu.flatMap(GpuProbeConfig::maxDeviceMemory).map(limit -> (DeviceLimit) limit::bytesOf),
                host.map(HostProbeConfig::maxRss).orElse(OptionalLong.empty()),
                host.map(HostProbeConfig::minAvailable).orElse(OptionalLong.empty()),
                config.probes().trendWindow(),
                config.probes().earlyRestart());
    }
}
