package dev.glyphsupervisor.reference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SearchFront from the shaded jar ({@code java -cp reference-runtime.jar …SearchFront}) against the
 * runtime from the same jar: two child JVMs, as a supervisor runs the reference stack.
 */
class SearchFrontJarIT {

    private static final Path JAR = Path.of(System.getProperty("reference.jar", "target/reference-runtime.jar"));
    private static final Duration TIMEOUT = Duration.ofSeconds(90);

    @TempDir
    Path work;

    @Test
    void searchGoesThroughTheRuntimeAndFailsWith502WhenItIsKilled() throws Exception {
        Path runtimeOut = work.resolve("runtime.txt");
        Path frontOut = work.resolve("front.txt");
        Process runtime = start(runtimeOut, runtimeCommand());
        Process front = null;
        try {
            int runtimePort = listeningPort(runtimeOut);
            front = start(frontOut, frontCommand("--port", "0", "--embeddings", "http://127.0.0.1:" + runtimePort));
            TestHttp http = new TestHttp(listeningPort(frontOut));
            http.await("/health", reply -> reply.status() == 200, TIMEOUT);

            TestHttp.Reply hit = http.get("/search?q=GPU+memory&k=1");
            assertEquals(200, hit.status(), hit.body()::toString);
            assertEquals(Corpus.BUILT_IN.get(0), hit.body().get("results").get(0).get("text").asText());

            runtime.destroyForcibly(); // SIGKILL: the front end's connections to it die with it
            assertTrue(runtime.waitFor(30, TimeUnit.SECONDS));
            for (int i = 0; i < SearchFront.UNHEALTHY_AFTER; i++) {
                assertEquals(502, http.get("/search?q=GPU+memory").status());
            }
            assertEquals("unhealthy", http.get("/health").body().get("status").asText());

            front.destroy(); // SIGTERM
            assertTrue(front.waitFor(30, TimeUnit.SECONDS), "still running after SIGTERM");
            assertEquals(143, front.exitValue());
            assertTrue(Files.readString(frontOut).contains("search-front stopped"), Files.readString(frontOut));
        } finally {
            runtime.destroyForcibly();
            if (front != null) {
                front.destroyForcibly();
            }
        }
    }

    @Test
    void aBadFlagExitsWith2AndAPortInUseWith1() throws Exception {
        Path err = work.resolve("err.txt");
        Process bad = new ProcessBuilder(frontCommand("--embeddings", "localhost:7878"))
                .redirectError(err.toFile()).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        assertTrue(bad.waitFor(60, TimeUnit.SECONDS));
        assertEquals(2, bad.exitValue());
        assertEquals("search-front: --embeddings: expected a URL such as http://127.0.0.1:7878, got 'localhost:7878'"
                + " (see --help)", Files.readString(err).strip());

        try (ServerSocket taken = new ServerSocket(0)) {
            Process busy = new ProcessBuilder(frontCommand("--port", Integer.toString(taken.getLocalPort())))
                    .redirectError(err.toFile()).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            assertTrue(busy.waitFor(60, TimeUnit.SECONDS));
            assertEquals(1, busy.exitValue());
            assertEquals("search-front: cannot listen on 127.0.0.1:" + taken.getLocalPort() + ": Address already in use",
                    Files.readString(err).strip());
        }
    }

    private static Process start(Path out, List<String> command) throws IOException {
        return new ProcessBuilder(command).redirectOutput(out.toFile())
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static List<String> runtimeCommand() {
        return List.of(java(), "-jar", JAR.toString(), "--port", "0");
    }

    private static List<String> frontCommand(String... args) {
        List<String> command = new ArrayList<>(List.of(java(), "-cp", JAR.toString(),
                "dev.glyphsupervisor.reference.SearchFront"));
        Collections.addAll(command, args);
        return command;
    }

    /** The port a {@code --port 0} server picked, from its first log line. */
    private static int listeningPort(Path log) throws IOException, InterruptedException {
        Pattern listening = Pattern.compile("listening on http://[^:]+:(\\d+)");
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            Matcher m = listening.matcher(Files.readString(log));
            if (m.find()) {
                return Integer.parseInt(m.group(1));
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no 'listening on' line in " + TIMEOUT + ": " + Files.readString(log));
    }
}
