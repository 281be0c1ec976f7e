package dev.glyphsupervisor.daemon;

import dev.glyphsupervisor.config.GpuProbeConfig;
import dev.glyphsupervisor.config.ServerConfig;
import dev.glyphsupervisor.config.SupervisorConfig;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The longest the daemon's own stop can take, from its config: SIGTERM to the server's group and {@code stop_grace},
 * SIGKILL and {@code kill_timeout}, the wait for the port ({@code restart.release_timeout}), the wait for the old
 * tree's GPU pids ({@code probes.gpu.release_timeout}), and a few seconds for the records and the JVM's exit. systemd
 * must wait that long before it SIGKILLs the unit: with the default timeouts it is 125 s, more than the unit's
 * {@code TimeoutStopSec=90s}, so the daemon tells systemd at its stop ({@code EXTEND_TIMEOUT_USEC}).
 *
 * @param parts each term with the key it comes from, in the order the stop spends them
 */
public record ShutdownBudget(List<Part> parts) {

    /** The records, the lock and the JVM's exit after the server is stopped. */
    static final Duration SLACK = Duration.ofSeconds(5);

    /** One term of the sum. */
    public record Part(String key, Duration duration) {
    }

    public ShutdownBudget {
        parts = List.copyOf(parts);
    }

    /**
     * The daemon's stop: a server stops only after every server that requires it has stopped, so the longest chain of
     * dependents decides (servers of different chains stop side by side). A stack of one is its server's stop.
     */
    public static ShutdownBudget of(SupervisorConfig config) {
        List<Part> longest = List.of();
        for (ServerConfig server : config.servers()) {
            List<Part> chain = chainFrom(server, config);
            if (sum(chain).compareTo(sum(longest)) > 0) {
                longest = chain;
            }
        }
        List<Part> parts = new ArrayList<>(longest);
        parts.add(new Part("records and exit", SLACK));
        return new ShutdownBudget(parts);
    }

    /** The stop of one server, its keys named as the config file has them ({@code servers.vllm.runtime.stop_grace}). */
    public static ShutdownBudget of(ServerConfig config) {
        List<Part> parts = new ArrayList<>(serverParts(config));
        parts.add(new Part("records and exit", SLACK));
        return new ShutdownBudget(parts);
    }

    /** The longest stop of {@code server}'s dependents, one after another down a chain, then {@code server}'s own. */
    private static List<Part> chainFrom(ServerConfig server, SupervisorConfig config) {
        List<Part> longest = List.of();
        for (ServerConfig other : config.servers()) {
            if (other.requires().contains(server.name())) {
                List<Part> chain = chainFrom(other, config);
                if (sum(chain).compareTo(sum(longest)) > 0) {
                    longest = chain;
                }
            }
        }
        List<Part> parts = new ArrayList<>(longest);
        parts.addAll(serverParts(server));
        return parts;
    }

    private static Duration sum(List<Part> parts) {
        return parts.stream().map(Part::duration).reduce(Duration.ZERO, Duration::plus);
    }

    private static List<Part> serverParts(ServerConfig config) {
        List<Part> parts = new ArrayList<>();
        parts.add(new Part(config.key("runtime.stop_grace"), config.runtime().stopGrace()));
        parts.add(new Part(config.key("restart.kill_timeout"), config.restart().killTimeout()));
        if (config.runtime().port().isPresent()) {
            parts.add(new Part(config.key("restart.release_timeout"), config.restart().releaseTimeout()));
        }
        config.probes().gpu().map(GpuProbeConfig::releaseTimeout)
                .ifPresent(d -> parts.add(new Part(config.key("probes.gpu.release_timeout"), d)));
        return parts;
    }

    public Duration total() {
        return sum(parts);
    }

    /** E.g. {@code 125s = runtime.stop_grace 20s + restart.kill_timeout 10s + ...}. */
    public String describe() {
        List<String> terms = new ArrayList<>();
        for (Part p : parts) {
            terms.add(p.key() + " " + seconds(p.duration()));
        }
        return seconds(total()) + " = " + String.join(" + ", terms);
    }

    private static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
    }
}
