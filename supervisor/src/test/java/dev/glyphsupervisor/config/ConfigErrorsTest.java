package dev.glyphsupervisor.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.glyphsupervisor.runtime.CacheGlobs;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each malformed config is refused with exactly these messages: what, where (line:col) and which key. */
class ConfigErrorsTest {

    @TempDir
    Path dir;

    /** {@code expected} are "LINE:COL: key.path: message"; the file's path is put in front. */
    private void assertProblems(String yaml, String... expected) {
        Path file = ConfigFiles.write(dir, "glyph.yaml", yaml);
        List<String> want = Arrays.stream(expected).map(problem -> file + ":" + problem).toList();
        assertEquals(want, ConfigFiles.problemsOf(file));
    }

    @Test
    void yamlSyntaxError() {
        assertProblems("""
                runtime:
                  command: ["bash", "x.sh"
                state_dir: /s
                """,
                "3:1: not valid YAML: expected ',' or ']', but got <scalar> (while parsing a flow sequence)");
    }

    @Test
    void emptyFile() {
        assertProblems("", "1:1: the file is empty; a config needs at least runtime.command and state_dir");
        assertProblems("# only a comment\n", "1:1: the file is empty; a config needs at least runtime.command and state_dir");
    }

    @Test
    void topLevelNotAMapping() {
        assertProblems("- runtime\n- state_dir\n",
                "1:1: the top level must be a mapping with the keys runtime, probes, restart, state_dir, audit, metrics, control, defaults, servers, got a list");
    }

    @Test
    void secondDocument() {
        assertProblems("runtime: {command: [x]}\nstate_dir: /s\n---\nstate_dir: /t\n",
                "4:1: a second YAML document starts here; the config must be one document");
    }

    @Test
    void unknownKeyWithASuggestionAndTheMissingKeyItHides() {
        assertProblems("""
                runtime:
                  comand: [x]
                state_dir: /s
                """,
                "2:3: runtime.comand: unknown key 'comand'; did you mean 'command'? allowed keys here: command, workdir, env, "
                        + "port, startup_timeout, stop_grace, log, log_max_size, caches",
                "2:3: runtime.command: required key is missing (e.g. command: [\"bash\", \"serve.sh\"])");
    }

    @Test
    void unknownKeySpelledInCamelCaseFindsTheSnakeCaseOne() {
        assertProblems("""
                runtime: {command: [x]}
                probes: {failureThreshold: 3}
                state_dir: /s
                """,
                "2:10: probes.failureThreshold: unknown key 'failureThreshold'; did you mean 'failure_threshold'? "
                        + "allowed keys here: schedule, failure_threshold, startup_interval, tcp_timeout, http, gpu, host, trend_window, early_restart, progress, inference");
    }

    @Test
    void unknownKeyWithNothingClose() {
        assertProblems("""
                runtime: {command: [x]}
                state_dir: /s
                colour: red
                """,
                "3:1: colour: unknown key 'colour'; allowed keys here: runtime, probes, restart, state_dir, audit, metrics, control, defaults, servers");
    }

    @Test
    void metricsListenMustBeHostColonPort() {
        assertProblems("""
                runtime: {command: [x]}
                state_dir: /s
                metrics: {listen: 9464}
                """,
                "3:19: metrics.listen: '9464' has no port; write it as host:port, e.g. 127.0.0.1:9464");
        assertProblems("""
                runtime: {command: [x]}
                state_dir: /s
                metrics:
                  listen: ":9464"
                """,
                "4:11: metrics.listen: ':9464' has no host; write 127.0.0.1:9464 for this machine only, "
                        + "or 0.0.0.0:9464 for every interface");
        assertProblems("""
                runtime: {command: [x]}
                state_dir: /s
                metrics:
                  listen: 127.0.0.1:99999
                """,
                "4:11: metrics.listen: '127.0.0.1:99999': the port must be 1..65535, got '99999'");
        assertProblems("""
                runtime: {command: [x]}
                state_dir: /s
                metrics:
                  listen: http://127.0.0.1:9464/metrics
                """,
                "4:11: metrics.listen: 'http://127.0.0.1:9464/metrics' is not host:port; write it as host:port, "
                        + "e.g. 127.0.0.1:9464 (the path is always /metrics)");
        assertProblems("""
                runtime: {command: [x]}
                state_dir: /s
                metrics:
                  listen: ::1:9464
                """,
                "4:11: metrics.listen: '::1:9464': an IPv6 address needs brackets, e.g. [::1]:9464");
    }

    @Test
    void metricsNeedsListenOnceTheSectionIsThere() {
        assertProblems("""
                runtime: {command: [x]}
                state_dir: /s
                metrics:
                  listne: 127.0.0.1:9464
                """,
                "4:3: metrics.listne: unknown key 'listne'; did you mean 'listen'? allowed keys here: listen",
                "4:3: metrics.listen: required key is missing (e.g. listen: \"127.0.0.1:9464\")");
    }

    @Test
    void duplicateKey() {
        assertProblems("""
                runtime:
                  command: [x]
                  port: 7860
                  port: 7861
                state_dir: /s
                """,
                "4:3: runtime.port: duplicate key 'port' (first set at line 3, column 3)");
    }

    @Test
    void portOfTheWrongType() {
        assertProblems("""
                runtime:
                  command: [x]
                  port: "abc"
                state_dir: /s
                """,
                "3:9: runtime.port: expected an integer (1..65535), got the string 'abc'");
    }

    @Test
    void commandAsAStringSuggestsTheListForm() {
        assertProblems("""
                runtime:
                  command: "bash x.sh"
                state_dir: /s
                """,
                "2:12: runtime.command: expected a list of strings, got the string 'bash x.sh'; "
                        + "write it as a list: command: [\"bash\", \"x.sh\"]");
    }

    @Test
    void commandItemsMustBeNonEmptyScalars() {
        assertProblems("""
                runtime:
                  command: [bash, {a: b}, ""]
                state_dir: /s
                """,
                "2:19: runtime.command[1]: expected a string, got a mapping",
                "2:27: runtime.command[2]: must not be empty");
    }

    @Test
    void missingCommand() {
        assertProblems("""
                runtime:
                  workdir: /
                state_dir: /s
                """,
                "2:3: runtime.command: required key is missing (e.g. command: [\"bash\", \"serve.sh\"])");
        assertProblems("state_dir: /s\n",
                "1:1: runtime.command: required key is missing (e.g. command: [\"bash\", \"serve.sh\"])");
    }

    @Test
    void emptyCommand() {
        assertProblems("""
                runtime:
                  command: []
                state_dir: /s
                """,
                "2:12: runtime.command: must not be empty; name the program to run, e.g. [\"bash\", \"serve.sh\"]");
    }

    @Test
    void missingStateDir() {
        assertProblems("""
                # the state directory is forgotten
                runtime:
                  command: [x]
                """,
                "2:1: state_dir: required key is missing (e.g. state_dir: /var/lib/glyph-supervisor)");
    }

    @Test
    void badDurations() {
        assertProblems("""
                runtime:
                  command: [x]
                  startup_timeout: 30 seconds
                  stop_grace: -5s
                restart:
                  backoff_initial: 10
                state_dir: /s
                """,
                "3:20: runtime.startup_timeout: '30 seconds': unknown unit 'seconds'; use ms, s, m, h or d (e.g. 500ms, 30s, 5m, 1m30s)",
                "4:15: runtime.stop_grace: '-5s': negative durations are not allowed",
                "6:20: restart.backoff_initial: '10': missing unit; write e.g. 10s or 10ms (units: ms, s, m, h, d)");
    }

    @Test
    void badSizes() {
        assertProblems("""
                runtime:
                  command: [x]
                  log_max_size: 7.5 gigs
                state_dir: /s
                audit: {max_size: 512}
                """,
                "3:17: runtime.log_max_size: '7.5 gigs': unknown unit 'gigs'; use B, KB, MB, GB, TB (powers of 1000) "
                        + "or KiB, MiB, GiB, TiB (powers of 1024), e.g. 64MiB",
                "5:19: audit.max_size: must be at least 1KiB, got 512");
    }

    @Test
    void outOfRange() {
        assertProblems("runtime: {command: [x], port: 0}\nstate_dir: /s\n",
                "1:31: runtime.port: must be 1..65535, got 0");
        assertProblems("runtime: {command: [x], port: 70000}\nstate_dir: /s\n",
                "1:31: runtime.port: must be 1..65535, got 70000");
        assertProblems("runtime: {command: [x]}\nprobes: {failure_threshold: 0}\nstate_dir: /s\n",
                "2:29: probes.failure_threshold: must be 1..100, got 0");
        assertProblems("runtime: {command: [x]}\nrestart: {crash_loop: {max_restarts: 0}}\nstate_dir: /s\n",
                "2:38: restart.crash_loop.max_restarts: must be at least 1, got 0");
    }

    @Test
    void badCronShowsQuartzsReason() {
        assertProblems("""
                runtime: {command: [x]}
                probes:
                  schedule: "0 61 * * * ?"
                state_dir: /s
                """,
                "3:13: probes.schedule: '0 61 * * * ?' is not a valid Quartz cron expression: Minute and Second values must be between 0 and 59");
    }

    @Test
    void intervalScheduleTooShort() {
        assertProblems("""
                runtime: {command: [x]}
                probes:
                  schedule: 50ms
                state_dir: /s
                """,
                "3:13: probes.schedule: an interval must be at least 100ms, got 50ms");
    }

    @Test
    void scheduleThatIsNeitherCronNorDuration() {
        assertProblems("""
                runtime: {command: [x]}
                probes: {schedule: hourly}
                state_dir: /s
                """,
                "2:20: probes.schedule: 'hourly': not a duration; use ms, s, m, h or d (e.g. 500ms, 30s, 5m, 1m30s)"
                        + " (a cron expression has six or seven fields separated by spaces, e.g. '0 * * * * ?')");
    }

    @Test
    void backoffMaxBelowBackoffInitial() {
        assertProblems("""
                runtime: {command: [x]}
                restart:
                  backoff_initial: 1m
                  backoff_max: 30s
                state_dir: /s
                """,
                "4:16: restart.backoff_max: must be at least backoff_initial (1m), got 30s");
    }

    @Test
    void badHttpUrls() {
        String config = "runtime: {command: [x]}\nstate_dir: /s\nprobes:\n  http: {url: \"%s\"}\n";
        assertProblems(config.formatted("ftp://127.0.0.1/health"),
                "4:15: probes.http.url: 'ftp://127.0.0.1/health' uses ftp; only http and https are probed");
        assertProblems(config.formatted("http:///health"),
                "4:15: probes.http.url: 'http:///health' has no host; write it as http://127.0.0.1:port/path");
        assertProblems(config.formatted("http://local host/health"),
                "4:15: probes.http.url: 'http://local host/health' is not a URI: Illegal character in authority at index 7");
        assertProblems(config.formatted("localhost/health"),
                "4:15: probes.http.url: 'localhost/health' has no scheme; write it as http://host:port/path");
    }

    @Test
    void httpWithoutUrl() {
        assertProblems("""
                runtime: {command: [x]}
                probes:
                  http:
                    timeout: 5s
                state_dir: /s
                """,
                "4:5: probes.http.url: required key is missing (e.g. url: \"http://127.0.0.1:8000/health\")");
    }

    @Test
    void unsafeCacheGlobs() {
        // The loader checks against the real home directory; how a bare home path is refused depends on its depth.
        String home = System.getProperty("user.home");
        String bareHomeReason = CacheGlobs.unsafeReason(home, Path.of(home)).orElseThrow();
        assertProblems("""
                runtime:
                  command: [x]
                  caches:
                    - /
                    - /**
                    - relative/*
                    - %s
                    - /tmp/**
                    - /tmp/glyph_*.png
                    - %s/*
                state_dir: /s
                """.formatted(home, home),
                "4:7: runtime.caches[0]: '/' would clear the whole file system",
                "5:7: runtime.caches[1]: '/**' would clear the whole file system",
                "6:7: runtime.caches[2]: 'relative/*' is relative; cache globs must be absolute paths",
                "7:7: runtime.caches[3]: " + bareHomeReason,
                "8:7: runtime.caches[4]: '/tmp/**' would clear all of /tmp; name a subdirectory or a file pattern",
                "10:7: runtime.caches[6]: '" + home + "/*' would clear the home directory " + home + " itself");
    }

    @Test
    void envValuesMustBeScalars() {
        assertProblems("""
                runtime:
                  command: [x]
                  env:
                    A: [1, 2]
                    B:
                    C: 3
                state_dir: /s
                """,
                "4:8: runtime.env.A: expected a string, got a list",
                "5:7: runtime.env.B: no value; write \"\" for an empty one");
    }

    @Test
    void sectionOfTheWrongType() {
        assertProblems("""
                runtime: {command: [x]}
                probes: "0 * * * * ?"
                state_dir: /s
                """,
                "2:9: probes: expected a mapping with the keys schedule, failure_threshold, startup_interval, tcp_timeout, "
                        + "http, gpu, host, trend_window, early_restart, progress, inference, got the string '0 * * * * ?'");
    }

    @Test
    void unknownVariableInAPath() {
        assertProblems("""
                runtime: {command: [x], workdir: "${HOME}/models"}
                state_dir: /s
                """,
                "1:34: runtime.workdir: unknown variable ${HOME} in '${HOME}/models'; only ${config_dir} is expanded");
    }

    @Test
    void reportsEveryProblemInFileOrder() {
        Path file = ConfigFiles.write(dir, "glyph.yaml", """
                audit: {keep: 0}
                runtime: {command: bash, port: -1}
                """);

        ConfigException refused = assertThrows(ConfigException.class, () -> ConfigLoader.load(file));

        List<String> expected = List.of(
                file + ":1:1: state_dir: required key is missing (e.g. state_dir: /var/lib/glyph-supervisor)",
                file + ":1:15: audit.keep: must be 1..1000, got 0",
                file + ":2:20: runtime.command: expected a list of strings, got the string 'bash'; write it as a list: command: [\"bash\"]",
                file + ":2:32: runtime.port: must be 1..65535, got -1");
        assertEquals(expected, refused.problems());
        assertEquals(String.join("\n", expected), refused.getMessage());
    }

    @Test
    void missingFileNamesTheFileAndTheReason() {
        Path missing = dir.resolve("nope.yaml");
        assertEquals(List.of(missing + ": cannot read the config file: no such file"), ConfigFiles.problemsOf(missing));
    }

    @Test
    void directoryInsteadOfAFile() {
        assertEquals(List.of(dir + ": cannot read the config file: it is a directory"), ConfigFiles.problemsOf(dir));
    }
}
