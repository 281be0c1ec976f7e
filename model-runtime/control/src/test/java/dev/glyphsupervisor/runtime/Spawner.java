package dev.glyphsupervisor.runtime;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URISyntaxException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Launches real processes for a test and kills every one of them, and their trees, afterwards. A JUnit extension, one
 * per test: {@code @RegisterExtension final Spawner spawner = new Spawner();} gives each test a fresh temporary
 * directory ({@link #dir()}, for logs and state) and, after the test, passed or failed, kills all it launched and
 * deletes the directory.
 */
final class Spawner implements BeforeEachCallback, AfterEachCallback {

    static final Duration WAIT = Duration.ofSeconds(10);

    /** A launched process with its exit status as a future. */
    record Run(LaunchedProcess process, CompletableFuture<Integer> exit, Path log) {
        List<Long> memberPids() {
            return ProcessTree.members(process).stream().map(ProcInfo::pid).toList();
        }
    }

    private final RuntimeLauncher launcher = new RuntimeLauncher();
    private final List<LaunchedProcess> launched = new ArrayList<>();
    private Path dir;
    private int count;

    @Override
    public void beforeEach(ExtensionContext context) throws IOException {
        dir = Files.createTempDirectory("spawner-");
    }

    @Override
    public void afterEach(ExtensionContext context) throws IOException {
        try {
            killAll();
        } finally {
            if (dir != null) {
                deleteRecursively(dir);
            }
        }
    }

    /** This test's temporary directory. */
    Path dir() {
        return dir;
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

    private void killAll() {
        for (LaunchedProcess p : launched) {
            for (ProcInfo member : ProcessTree.members(p)) {
                Signals.kill(member.pid(), Signals.SIGKILL);
            }
            Signals.killGroup(p.pgid(), Signals.SIGKILL);
        }
    }

    private static void deleteRecursively(Path root) throws IOException {
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path directory, IOException e) throws IOException {
                if (e != null) {
                    throw e;
                }
                Files.delete(directory);
                return FileVisitResult.CONTINUE;
            }
        });
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
