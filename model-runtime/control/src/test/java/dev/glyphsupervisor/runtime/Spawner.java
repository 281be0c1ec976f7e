package dev.glyphsupervisor.runtime;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;
import java.util.function.Supplier;

/** Launches real processes for a test and kills every one of them, and their trees, afterwards. */
final class Spawner implements AutoCloseable {

    static final Duration WAIT = Duration.ofSeconds(10);

    /** A launched process with its exit status as a future. */
    record Run(LaunchedProcess process, CompletableFuture<Integer> exit, Path log) {
        List<Long> memberPids() {
            return ProcessTree.members(process).stream().map(ProcInfo::pid).toList();
        }
    }

    private final Path dir;
    private final RuntimeLauncher launcher = new RuntimeLauncher();
    private final List<LaunchedProcess> launched = new ArrayList<>();
    private int count;

    Spawner(Path dir) {
        this.dir = dir;
    }

    Run launch(String... command) throws LaunchException {
        return launch(new LaunchSpec(List.of(command), null, Map.of(), dir.resolve("run" + ++count + ".log"), 0, null));
    }

    Run launch(LaunchSpec spec) throws LaunchException {
        CompletableFuture<Integer> exit = new CompletableFuture<>();
        LaunchedProcess process = launcher.launch(spec, exit::complete);
        launched.add(process);
        return new Run(process, exit, spec.log());
    }

    @Override
    public void close() {
        for (LaunchedProcess p : launched) {
            for (ProcInfo member : ProcessTree.members(p)) {
                Signals.kill(member.pid(), Signals.SIGKILL);
            }
            Signals.killGroup(p.pgid(), Signals.SIGKILL);
        }
    }

    /** Waits for a condition with a deadline and fails with the last value seen. */
    static <T> T await(String what, Supplier<T> value, Predicate<T> done) {
        T last = Poll.until(value, done, WAIT);
        if (!done.test(last)) {
            fail("timed out after " + WAIT + " waiting for " + what + "; last seen: " + last);
        }
        return last;
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    static Path forkingServer() {
        try {
            return Path.of(Spawner.class.getResource("/forking_server.py").toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
