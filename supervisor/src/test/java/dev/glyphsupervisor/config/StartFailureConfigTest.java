package dev.glyphsupervisor.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** restart.causes (the user's rows of the cause table) and restart.hopeless_after: read, defaulted, refused precisely. */
class StartFailureConfigTest {

    @TempDir
    Path dir;

    private void assertProblems(String yaml, String... expected) {
        Path file = ConfigFiles.write(dir, "glyph.yaml", yaml);
        List<String> want = Arrays.stream(expected).map(problem -> file + ":" + problem).toList();
        assertEquals(want, ConfigFiles.problemsOf(file));
    }

    @Test
    void defaultsAreTheBuiltInTableAloneAndTwoIdenticalFailures() throws ConfigException {
        Path file = ConfigFiles.write(dir, "c.yaml", "runtime: {command: [x]}\nstate_dir: /s\n");
        RestartConfig restart = ConfigLoader.load(file).onlyServer().restart();
        assertEquals(List.of(), restart.causes());
        assertEquals(2, restart.hopelessAfter());
    }

    @Test
    void readsTheUsersRowsInOrderWithRetryTrueUnlessSaid() throws ConfigException {
        Path file = ConfigFiles.write(dir, "c.yaml", """
                runtime: {command: [x]}
                restart:
                  hopeless_after: 3
                  causes:
                    - {cause: hf_token_missing, pattern: "401 Client Error.*huggingface", retry: false}
                    - cause: nccl_timeout
                      pattern: "(?i)watchdog caught collective operation timeout"
                state_dir: /s
                """);
        RestartConfig restart = ConfigLoader.load(file).onlyServer().restart();
        assertEquals(3, restart.hopelessAfter());
        assertEquals(List.of(
                new CauseConfig("hf_token_missing", "401 Client Error.*huggingface", false),
                new CauseConfig("nccl_timeout", "(?i)watchdog caught collective operation timeout", true)), restart.causes());
    }

    @Test
    void everyBadRowIsReportedWhereItIs() {
        assertProblems("""
                runtime: {command: [x]}
                restart:
                  causes:
                    - {cause: hf_token, pattern: "401 (Client Error", retry: false}
                    - {cause: "Bad Name", pattern: x}
                    - {cause: unknown, pattern: x}
                    - {cause: ok_name, pattern: "", retry: maybe}
                    - {cause: ok_name, patern: x}
                    - just a string
                state_dir: /s
                """,
                "4:34: restart.causes[0].pattern: '401 (Client Error' is not a regular expression: Unclosed group near index 17",
                "5:15: restart.causes[1].cause: 'Bad Name' is not a cause name; use lower-case letters, digits and _, "
                        + "starting with a letter (e.g. hf_token_missing)",
                "6:15: restart.causes[2].cause: 'unknown' is what the supervisor says when no row matches; name the cause",
                "7:33: restart.causes[3].pattern: must not be empty (it would find every line)",
                "7:44: restart.causes[3].retry: expected true or false, got the string 'maybe'",
                "8:7: restart.causes[4].pattern: required key is missing (e.g. pattern: \"401 Client Error\")",
                "8:24: restart.causes[4].patern: unknown key 'patern'; did you mean 'pattern'? allowed keys here: cause, pattern, retry",
                "9:7: restart.causes[5]: expected a mapping with the keys cause, pattern, retry, got the string 'just a string'");
    }

    @Test
    void causesMustBeAListAndHopelessAfterAPositiveNumber() {
        assertProblems("""
                runtime: {command: [x]}
                restart: {causes: {cause: x, pattern: y}, hopeless_after: 0}
                state_dir: /s
                """,
                "2:19: restart.causes: expected a list of {cause, pattern, retry} mappings, got a mapping",
                "2:59: restart.hopeless_after: must be 1..100, got 0");
    }
}
