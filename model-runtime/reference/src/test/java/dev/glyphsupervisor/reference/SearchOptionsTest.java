package dev.glyphsupervisor.reference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SearchFront's command line and corpus file. */
class SearchOptionsTest {

    @TempDir
    Path dir;

    @Test
    void defaults() throws Exception {
        SearchOptions options = SearchOptions.parse();
        assertEquals("127.0.0.1", options.host());
        assertEquals(7879, options.port());
        assertEquals(URI.create("http://127.0.0.1:7878"), options.embeddings());
        assertEquals(Optional.empty(), options.corpus());
        assertEquals(Duration.ofSeconds(10), options.timeout());
        assertEquals(4, options.threads());
        assertFalse(options.help());
    }

    @Test
    void flagsTakeSeparateOrEqualsValues() throws Exception {
        SearchOptions options = SearchOptions.parse("--port", "9000", "--host=0.0.0.0",
                "--embeddings=http://10.0.0.5:8000/", "--corpus", "/srv/c.txt", "--timeout", "500ms", "--threads=2");
        assertEquals(9000, options.port());
        assertEquals("0.0.0.0", options.host());
        assertEquals(URI.create("http://10.0.0.5:8000"), options.embeddings(), "the trailing slash is dropped");
        assertEquals(Optional.of(Path.of("/srv/c.txt")), options.corpus());
        assertEquals(Duration.ofMillis(500), options.timeout());
        assertEquals(2, options.threads());
        assertTrue(SearchOptions.parse("--help").help());
    }

    @Test
    void badFlagsNameTheFlagAndTheValue() {
        assertMessage("--port: expected an integer from 0 to 65535, got '80000'", "--port", "80000");
        assertMessage("--embeddings: expected a URL such as http://127.0.0.1:7878, got 'localhost:7878'",
                "--embeddings", "localhost:7878");
        assertMessage("--embeddings: expected a URL such as http://127.0.0.1:7878, got 'ftp://h/'", "--embeddings", "ftp://h/");
        assertMessage("--timeout: expected a duration from 1ms to 10m such as 500ms, 10s or 1m, got '10'", "--timeout", "10");
        assertMessage("--timeout: expected a duration from 1ms to 10m such as 500ms, 10s or 1m, got '0s'", "--timeout", "0s");
        assertMessage("--corpus needs a value", "--corpus");
        assertMessage("unknown flag --model", "--model", "x");
        assertMessage("unexpected argument 'serve' (flags start with --)", "serve");
    }

    @Test
    void theCorpusFileIsUtf8LinesWithBlanksSkipped() throws Exception {
        Path file = dir.resolve("c.txt");
        Files.writeString(file, "\uFEFF  first line  \n\n显卡内存不足\r\nlast", StandardCharsets.UTF_8);
        assertEquals(List.of("first line", "显卡内存不足", "last"), Corpus.read(file));
    }

    @Test
    void aBadCorpusFileIsAUsageError() throws Exception {
        Path latin1 = dir.resolve("latin1.txt");
        Files.write(latin1, new byte[] {'c', 'a', 'f', (byte) 0xE9, '\n'});
        assertEquals("--corpus " + latin1 + ": not UTF-8 text",
                assertThrows(UsageException.class, () -> Corpus.read(latin1)).getMessage());
        Path blank = Files.writeString(dir.resolve("blank.txt"), "\n  \n");
        assertEquals("--corpus " + blank + ": no sentences in it (one per line)",
                assertThrows(UsageException.class, () -> Corpus.read(blank)).getMessage());
        Path missing = dir.resolve("missing.txt");
        assertTrue(assertThrows(UsageException.class, () -> Corpus.read(missing)).getMessage()
                .startsWith("--corpus " + missing + ": cannot read it: java.nio.file.NoSuchFileException"));
    }

    private static void assertMessage(String expected, String... args) {
        assertEquals(expected, assertThrows(UsageException.class, () -> SearchOptions.parse(args)).getMessage());
    }
}
