package dev.glyphsupervisor.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The last lines one launch wrote to runtime.log: only its own, bounded, across the log's rotations. */
class RuntimeLogTailTest {

    @TempDir
    Path tmp;

    private Path log() {
        return tmp.resolve("runtime.log");
    }

    private void append(String text) throws IOException {
        Files.writeString(log(), text, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    /** Earlier generations' lines, then the offset a launch made now records. */
    private long launchedAfter(String earlier) throws IOException {
        append(earlier);
        return Files.size(log());
    }

    /** The log is rotated at a 10-byte bound, then the launch writes on into the new one. */
    private void rotateThenAppend(String text) throws IOException {
        RuntimeLog.rotateIfLarger(log(), 10);
        append(text);
    }

    @Test
    void onlyWhatThisLaunchWroteAfterTheOffsetItWasLaunchedAt() throws IOException {
        long start = launchedAfter("generation 1 started\nTraceback of generation 1\n");
        append("generation 2 started\nModuleNotFoundError: No module named 'gradio'\n");
        assertEquals(List.of("generation 2 started", "ModuleNotFoundError: No module named 'gradio'"),
                RuntimeLogTail.read(log(), start, 0, 4096, 20));
    }

    @Test
    void boundedByLinesAndByBytesWithoutAHalfLineInFront() throws IOException {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 1000; i++) {
            text.append("line ").append(i).append('\n');
        }
        append(text.toString());
        List<String> last20 = RuntimeLogTail.read(log(), 0, 0, 1 << 20, 20);
        assertEquals(20, last20.size());
        assertEquals("line 980", last20.get(0));
        assertEquals("line 999", last20.get(19));

        List<String> bytes = RuntimeLogTail.read(log(), 0, 0, 100, 1000);
        assertTrue(bytes.size() < 15, bytes.toString());
        assertEquals("line 999", bytes.get(bytes.size() - 1));
        for (String line : bytes) {
            assertTrue(line.matches("line \\d{3}"), "no half line: " + bytes);
        }
    }

    @Test
    void aLineWithoutItsNewlineYetIsKept() throws IOException {
        append("loading\nKilled");
        assertEquals(List.of("loading", "Killed"), RuntimeLogTail.read(log(), 0, 0, 4096, 20));
    }

    @Test
    void oneRotationSinceTheLaunchJoinsTheRotatedCopyFromTheOffsetAndTheNewLog() throws IOException {
        long start = launchedAfter("old generation\n");
        append("gen 2 line a\ngen 2 line b\n");
        rotateThenAppend("gen 2 line c\n");
        assertEquals(List.of("gen 2 line a", "gen 2 line b", "gen 2 line c"), RuntimeLogTail.read(log(), start, 1, 4096, 20));
    }

    @Test
    void twoRotationsSinceTheLaunchMeanTheRotatedCopyIsAllThisLaunchs() throws IOException {
        long start = launchedAfter("old generation\n");
        append("gen 2 first copy\n");
        rotateThenAppend("gen 2 second copy\n");
        rotateThenAppend("gen 2 now\n");
        assertEquals(List.of("gen 2 second copy", "gen 2 now"), RuntimeLogTail.read(log(), start, 2, 4096, 20));
    }

    @Test
    void aLogTruncatedBehindOurBackIsReadFromItsStart() throws IOException {
        long start = launchedAfter("a long history of earlier generations\n".repeat(10));
        Files.writeString(log(), "after an outside copytruncate\n");
        assertEquals(List.of("after an outside copytruncate"), RuntimeLogTail.read(log(), start, 0, 4096, 20));
    }

    @Test
    void terminalColoursProgressBarsAndControlCharactersAreCleanedAndBlankLinesDropped() throws IOException {
        append("\u001b[31mERROR\u001b[0m:    [Errno 98] address already in use\r\n"
                + "Loading:  10%|#         |\rLoading:  50%|#####     |\rLoading: 100%|##########|\n"
                + "\n   \n"
                + "bell\u0007 and\ttab\n");
        assertEquals(List.of("ERROR:    [Errno 98] address already in use", "Loading: 100%|##########|", "bell and tab"),
                RuntimeLogTail.read(log(), 0, 0, 4096, 20));
    }

    @Test
    void secretsAServerPrintsAreMaskedBeforeTheLinesLeaveTheLog() throws IOException {
        append("HF_TOKEN=hf_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789 python3 app.py\n"
                + "requests.exceptions.HTTPError: 401 for https://user:s3cret@huggingface.co/api (Authorization: Bearer abc.def.ghi-123)\n"
                + "openai.AuthenticationError: Incorrect API key provided: sk-proj-0123456789abcdefghij\n"
                + "config: {'api_key': 'xyz', password=hunter2, token: 'tok123'}\n");
        List<String> lines = RuntimeLogTail.read(log(), 0, 0, 4096, 20);
        String all = String.join("\n", lines);
        for (String secret : List.of("AbCdEfGhIjKlMnOp", "s3cret", "abc.def.ghi-123", "0123456789abcdefghij", "xyz",
                "hunter2", "tok123")) {
            assertTrue(!all.contains(secret), secret + " leaked: " + all);
        }
        assertEquals("openai.AuthenticationError: Incorrect API key provided: sk-***", lines.get(2));
        assertTrue(lines.get(1).startsWith("requests.exceptions.HTTPError: 401 for https://***@huggingface.co/api"), lines.get(1));
    }

    @Test
    void invalidUtf8IsReplacedNotFatal() throws IOException {
        Files.write(log(), new byte[] {'o', 'k', '\n', (byte) 0xff, (byte) 0xfe, 'x', '\n'});
        List<String> lines = RuntimeLogTail.read(log(), 0, 0, 4096, 20);
        assertEquals("ok", lines.get(0));
        assertTrue(lines.get(1).endsWith("x"), lines.toString());
    }

    @Test
    void aMissingLogIsNoLines() {
        assertEquals(List.of(), RuntimeLogTail.read(tmp.resolve("never-written.log"), 0, 0, 4096, 20));
    }

    @Test
    void aHugeLogIsNotReadWhole() throws IOException {
        List<String> many = new ArrayList<>();
        for (int i = 0; i < 200_000; i++) {
            many.add("x".repeat(50) + i);
        }
        Files.write(log(), many, StandardCharsets.UTF_8);
        long t0 = System.nanoTime();
        List<String> tail = RuntimeLogTail.read(log(), 0, 0, 32 * 1024, 400);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(many.get(many.size() - 1), tail.get(tail.size() - 1));
        assertTrue(ms < 500, "read the end only: " + ms + " ms");
    }
}
