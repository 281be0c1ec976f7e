package dev.glyphsupervisor.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import dev.glyphsupervisor.audit.AuditReader;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The bad-input suite: every bad input we know of, given to the real {@code bin/glyphctl} (see
 * {@link GlyphctlLauncher}), gets one precise message that names what is wrong and where, the documented exit
 * code, and leaves nothing behind. Each case of the table below is a name, a setup, the arguments, the exit code
 * and the exact message; after each call the suite checks, the same way for every case:
 * <ul>
 *   <li>the exit code, and stderr is exactly the expected message (a usage error: its line, then the usage);
 *   <li>nothing was printed on stdout;
 *   <li>nothing was created, changed or removed in the case's directory: no state_dir, no lock file, no control
 *       socket, no runtime log, the audit log of an earlier run byte for byte as it was, and no STARTED file (the
 *       server command touches it);
 *   <li>no process carries the case's state_dir in GLYPH_SUPERVISOR_STATE_DIR (the marker every server the
 *       daemon launches gets, see ServerRecord), read from /proc.
 * </ul>
 * The one bad input that does not end the daemon, a foreign process on {@code runtime.port}, is its own test at
 * the end. Run it alone: {@code ./mvnw -B -q -pl supervisor -am verify -Dtest=BadInputSuiteTest
 * -Dsurefire.failIfNoSpecifiedTests=false}.
 *
 * <p>The tests run as root, and root passes every permission check, so "unwritable" here never means mode bits:
 * it means a parent that is a regular file (ENOTDIR), the kernel's /proc and /sys (no regular file can be
 * created there, whoever asks), a device, a path longer than a Unix socket can have, or a port or lock that
 * another process holds.
 */
class BadInputSuiteTest {

    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(60);
    private static final String NOT_A_DURATION = "not a duration; use ms, s, m, h or d (e.g. 500ms, 30s, 5m, 1m30s)";
    private static final String NOTHING = "nothing was started";

    @TempDir
    Path base;

    // ------------------------------------------------------------------------------------------------------------
    // The table

    static Stream<Named<Case>> cases() {
        return Stream.of(
                // The config file itself: it cannot be read (for root too), or is not a config at all.
                daemon("config file", "does not exist", w -> w.useConfig(w.dir.resolve("missing.yaml")), 2,
                        w -> lines(w.dir.resolve("missing.yaml") + ": cannot read the config file: no such file")),
                daemon("config file", "is a directory", w -> w.useConfig(Files.createDirectory(w.dir.resolve("conf.d"))), 2,
                        w -> lines(w.dir.resolve("conf.d") + ": cannot read the config file: it is a directory")),
                daemon("config file", "a parent in its path is a regular file", w -> w.useConfig(w.audit.resolve("glyph.yaml")), 2,
                        w -> lines(w.audit.resolve("glyph.yaml")
                                + ": cannot read the config file: a part of its path is a file, not a directory")),
                daemon("config file", "a symbolic link loop", w -> {
                    Files.createSymbolicLink(w.dir.resolve("a.yaml"), w.dir.resolve("b.yaml"));
                    Files.createSymbolicLink(w.dir.resolve("b.yaml"), w.dir.resolve("a.yaml"));
                    w.useConfig(w.dir.resolve("a.yaml"));
                }, 2, w -> lines(w.dir.resolve("a.yaml") + ": cannot read the config file: Too many levels of symbolic links"
                        + " or unable to access attributes of symbolic link")),
                daemon("config file", "not UTF-8 text", w -> w.useConfig(Files.write(w.dir.resolve("latin1.yaml"),
                        "state_dir: /tmp/caf\u00e9\n".getBytes(StandardCharsets.ISO_8859_1))), 2,
                        w -> lines(w.dir.resolve("latin1.yaml") + ": cannot read the config file: it is not UTF-8 text")),
                daemon("config file", "empty", w -> w.useConfig(Files.writeString(w.dir.resolve("empty.yaml"), "")), 2,
                        w -> lines(w.dir.resolve("empty.yaml")
                                + ":1:1: the file is empty; a config needs at least runtime.command and state_dir")),

                // Syntax and types.
                daemon("syntax", "YAML that does not parse", w -> w.yaml.set("restart.backoff_initial", "[2s"), 2,
                        // the unclosed '[' swallows the next line as a plain scalar, up to its ':'
                        w -> lines(w.configFile + ":" + w.colonOf("restart.backoff_max") + ": not valid YAML: "
                                + "expected ',' or ']', but got : (while parsing a flow sequence)")),
                daemon("syntax", "misspelt key", w -> w.yaml.set("runtime.stop_grce", "5s"), 2,
                        w -> lines(w.problemAtKey("runtime.stop_grce", "unknown key 'stop_grce'; did you mean 'stop_grace'? "
                                + "allowed keys here: command, workdir, env, port, startup_timeout, stop_grace, log, log_max_size, caches"))),
                daemon("syntax", "duplicate key", w -> w.appendToConfig("state_dir: " + w.dir.resolve("other") + "\n"), 2,
                        w -> lines(w.configFile + ":" + w.lineCount() + ":1: state_dir: duplicate key 'state_dir' (first set at line "
                                + w.yaml.atKey("state_dir").replace(":", ", column ") + ")")),
                daemon("types", "port is not a number", w -> w.yaml.set("runtime.port", "abc"), 2,
                        w -> lines(w.problem("runtime.port", "expected an integer (1..65535), got the string 'abc'"))),
                daemon("types", "command is a string, not a list", w -> w.yaml.set("runtime.command", "\"bash serve.sh\""), 2,
                        w -> lines(w.problem("runtime.command", "expected a list of strings, got the string 'bash serve.sh'; "
                                + "write it as a list: command: [\"bash\", \"serve.sh\"]"))),
                daemon("types", "empty command", w -> w.yaml.set("runtime.command", "[]"), 2,
                        w -> lines(w.problem("runtime.command", "must not be empty; name the program to run, e.g. [\"bash\", \"serve.sh\"]"))),
                daemon("types", "state_dir missing", w -> w.yaml.remove("state_dir"), 2,
                        w -> lines(w.configFile + ":1:1: state_dir: required key is missing (e.g. state_dir: /var/lib/glyph-supervisor)")),
                daemon("types", "health URL with another scheme", w -> w.yaml.set("probes.http.url", "\"ftp://127.0.0.1/health\""), 2,
                        w -> lines(w.problem("probes.http.url", "'ftp://127.0.0.1/health' uses ftp; only http and https are probed"))),
                daemon("types", "metrics.listen without a port", w -> w.yaml.set("metrics.listen", "\"9464\""), 2,
                        w -> lines(w.problem("metrics.listen", "'9464' has no port; write it as host:port, e.g. 127.0.0.1:9464"))),
                daemon("types", "control.mode not octal", w -> w.yaml.set("control.mode", "\"rw-rw----\""), 2,
                        w -> lines(w.problem("control.mode", "expected octal permission bits like \"0660\", got rw-rw----"))),

                // Units and ranges.
                daemon("units", "duration in words", w -> w.yaml.set("runtime.stop_grace", "20 seconds"), 2,
                        w -> lines(w.problem("runtime.stop_grace",
                                "'20 seconds': unknown unit 'seconds'; use ms, s, m, h or d (e.g. 500ms, 30s, 5m, 1m30s)"))),
                daemon("units", "size in words", w -> w.yaml.set("runtime.log_max_size", "7.5 gigs"), 2,
                        w -> lines(w.problem("runtime.log_max_size", "'7.5 gigs': unknown unit 'gigs'; use B, KB, MB, GB, TB "
                                + "(powers of 1000) or KiB, MiB, GiB, TiB (powers of 1024), e.g. 64MiB"))),
                daemon("units", "GPU percentage over 100", w -> w.yaml.set("probes.gpu.max_device_memory", "150%"), 2,
                        w -> lines(w.problem("probes.gpu.max_device_memory", "a percentage must be above 0% and at most 100%, got 150%"))),
                daemon("units", "host memory limit that is not a size", w -> w.yaml.set("probes.host.max_rss", "lots"), 2,
                        w -> lines(w.problem("probes.host.max_rss", "'lots': not a size; use B, KB, MB, GB, TB "
                                + "(powers of 1000) or KiB, MiB, GiB, TiB (powers of 1024), e.g. 64MiB"))),
                daemon("ranges", "port out of range", w -> w.yaml.set("runtime.port", "70000"), 2,
                        w -> lines(w.problem("runtime.port", "must be 1..65535, got 70000"))),
                daemon("ranges", "negative duration", w -> w.yaml.set("runtime.startup_timeout", "-5s"), 2,
                        w -> lines(w.problem("runtime.startup_timeout", "'-5s': negative durations are not allowed"))),
                daemon("ranges", "failure threshold 0", w -> w.yaml.set("probes.failure_threshold", "0"), 2,
                        w -> lines(w.problem("probes.failure_threshold", "must be 1..100, got 0"))),
                daemon("ranges", "backoff_max below backoff_initial", w -> w.yaml.set("restart.backoff_max", "100ms"), 2,
                        w -> lines(w.problem("restart.backoff_max", "must be at least backoff_initial (200ms), got 100ms"))),
                daemon("ranges", "hopeless_after 0", w -> w.yaml.set("restart.hopeless_after", "0"), 2,
                        w -> lines(w.problem("restart.hopeless_after", "must be 1..100, got 0"))),

                // The user's rows of the start-failure cause table.
                daemon("causes", "a pattern that is not a regular expression", w -> w.yaml.set("restart.causes",
                        List.of("{cause: hf_token_missing, pattern: \"401 (Client\", retry: false}")), 2,
                        w -> lines(w.problemWithin("restart.causes[0]", "{cause: hf_token_missing, pattern: ".length(),
                                "restart.causes[0].pattern", "'401 (Client' is not a regular expression: Unclosed group near index 11"))),
                daemon("causes", "retry that is not a boolean", w -> w.yaml.set("restart.causes",
                        List.of("{cause: hf_token_missing, pattern: x, retry: sometimes}")), 2,
                        w -> lines(w.problemWithin("restart.causes[0]", "{cause: hf_token_missing, pattern: x, retry: ".length(),
                                "restart.causes[0].retry", "expected true or false, got the string 'sometimes'"))),

                // The probe schedule.
                daemon("cron", "five-field (crontab) cron", w -> w.yaml.set("probes.schedule", "\"0 * * * *\""), 2,
                        w -> lines(w.problem("probes.schedule", "'0 * * * *' has 5 fields, like a crontab line; "
                                + "a Quartz cron expression has 6 or 7, seconds first: write '0 0 * * * ?'"))),
                daemon("cron", "minute 61", w -> w.yaml.set("probes.schedule", "\"0 61 * * * ?\""), 2,
                        w -> lines(w.problem("probes.schedule", "'0 61 * * * ?' is not a valid Quartz cron expression: "
                                + "Minute and Second values must be between 0 and 59"))),
                daemon("cron", "interval below 100ms", w -> w.yaml.set("probes.schedule", "\"50ms\""), 2,
                        w -> lines(w.problem("probes.schedule", "an interval must be at least 100ms, got 50ms"))),

                // Cache globs that would delete what they must not.
                daemon("unsafe globs", "/", w -> w.yaml.set("runtime.caches", List.of("\"/\"")), 2,
                        w -> lines(w.problem("runtime.caches[0]", "'/' would clear the whole file system"))),
                daemon("unsafe globs", "the home directory", w -> w.yaml.set("runtime.caches", List.of("\"" + HOME + "\"")), 2,
                        w -> lines(w.problem("runtime.caches[0]", "'" + HOME + "' is the home directory " + HOME + " or a parent of it"))),
                daemon("unsafe globs", "relative", w -> w.yaml.set("runtime.caches", List.of("\"/tmp/glyph_*.png\"", "\"tmp/*\"")), 2,
                        w -> lines(w.problem("runtime.caches[1]", "'tmp/*' is relative; cache globs must be absolute paths"))),
                daemon("unsafe globs", "under /proc", w -> w.yaml.set("runtime.caches", List.of("\"/proc/*/fd/*\"")), 2,
                        w -> lines(w.problem("runtime.caches[0]", "'/proc/*/fd/*' is under /proc, a kernel file system"))),

                // The command, on this machine.
                daemon("command", "does not exist", w -> w.yaml.set("runtime.command", List.of("/nonexistent/bin/server")), 2,
                        w -> lines(w.problem("runtime.command[0]", "'/nonexistent/bin/server' does not exist"))),
                daemon("command", "not on the PATH the server gets", w -> w.yaml.set("runtime.command", List.of("no-such-server", "--port", "1")), 2,
                        w -> lines(w.problem("runtime.command[0]", "'no-such-server' not found on PATH (/usr/bin:/bin)"))),
                daemon("command", "not executable (no x bit: root cannot run it either)", w -> {
                    Path script = Files.writeString(w.dir.resolve("serve.sh"), "#!/bin/sh\nexec sleep 600\n");
                    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rw-r--r--"));
                    w.yaml.set("runtime.command", List.of("./serve.sh"));
                }, 2, w -> lines(w.problem("runtime.command[0]", "'./serve.sh' is not executable (chmod +x " + w.dir.resolve("serve.sh") + ")"))),
                daemon("command", "a directory", w -> w.yaml.set("runtime.command", List.of(w.dir.resolve("log").toString())), 2,
                        w -> lines(w.problem("runtime.command[0]", "'" + w.dir.resolve("log") + "' is not a regular file"))),
                daemon("command", "workdir missing", w -> w.yaml.set("runtime.workdir", w.dir.resolve("nowhere")), 2,
                        w -> lines(w.problem("runtime.workdir", w.dir.resolve("nowhere") + " does not exist"))),

                // Where the daemon writes: state_dir, the audit log, the runtime log.
                daemon("state and logs", "state_dir is a file", w -> w.useStateDir(Files.writeString(w.dir.resolve("state.txt"), "x")), 2,
                        w -> lines(w.problem("state_dir", w.dir.resolve("state.txt") + " is a file, not a directory"))),
                daemon("state and logs", "state_dir under /proc", w -> w.useStateDir(Path.of("/proc/glyph-supervisor")), 2,
                        w -> lines(w.problem("state_dir", "/proc/glyph-supervisor cannot be created: "
                                + "/proc is on the kernel's proc file system, where files cannot be created"))),
                daemon("state and logs", "audit log under a regular file", w -> w.yaml.set("audit.path", w.audit.resolve("audit.jsonl")), 2,
                        w -> lines(w.problem("audit.path", "its directory: " + w.audit.resolve("audit.jsonl").getParent()
                                + " is a file, not a directory"))),
                daemon("state and logs", "audit log in /proc", w -> w.yaml.set("audit.path", "/proc/glyph-audit.jsonl"), 2,
                        w -> lines(w.problem("audit.path",
                                "its directory: /proc is on the kernel's proc file system, where files cannot be created"))),
                daemon("state and logs", "audit log in /sys", w -> w.yaml.set("audit.path", "/sys/kernel/glyph/audit.jsonl"), 2,
                        w -> lines(w.problem("audit.path", "its directory: /sys/kernel/glyph cannot be created: "
                                + "/sys/kernel is on the kernel's sysfs file system, where files cannot be created"))),
                daemon("state and logs", "audit log is a device", w -> w.yaml.set("audit.path", "/dev/null"), 2,
                        w -> lines(w.problem("audit.path",
                                "/dev/null exists and is not a regular file (the audit log is rotated by renaming it)"))),
                daemon("state and logs", "audit log is a directory", w -> w.yaml.set("audit.path", w.dir.resolve("log")), 2,
                        w -> lines(w.problem("audit.path", w.dir.resolve("log") + " is a directory, not a file"))),
                daemon("state and logs", "runtime log under a regular file", w -> w.yaml.set("runtime.log", w.audit.resolve("runtime.log")), 2,
                        w -> lines(w.problem("runtime.log", "its directory: " + w.audit + " is a file, not a directory"))),

                // The control socket.
                daemon("control socket", "path longer than 107 bytes", w -> w.yaml.set("control.socket", w.longPath().resolve("c.sock")), 2,
                        w -> lines(w.problem("control.socket", "'" + w.longPath().resolve("c.sock")
                                + "' is longer than the 107 bytes a Unix socket path may have"))),
                daemon("control socket", "state_dir so long that the default socket cannot be bound", w -> w.useStateDir(w.longPath()), 2,
                        w -> lines(w.problem("state_dir", "the control socket in it, '" + w.longPath().resolve("control.sock")
                                + "', would be longer than the 107 bytes a Unix socket path may have; set control.socket to a shorter path"))),
                daemon("control socket", "names an existing file (which must not be deleted)", w -> w.yaml.set("control.socket", w.configFile), 2,
                        w -> lines(w.problem("control.socket", w.configFile
                                + " exists and is not a socket; the daemon replaces only a stale socket there"))),
                daemon("control socket", "group that does not exist", w -> w.yaml.set("control.group", "no-such-group-glyph"), 2,
                        w -> lines(w.problem("control.group", "no group 'no-such-group-glyph' on this machine"))),

                // The servers form (issue 15): refused at load like every other bad input, nothing started.
                daemon("stack", "a cycle of requires", w -> {
                    w.asStack();
                    w.yaml.set("servers.vllm.requires", List.of("ui"));
                }, 2, w -> lines(w.problem("servers.vllm.requires[0]", "a cycle: vllm → ui → vllm; a server starts only after"
                        + " what it requires is healthy, so none of these could ever start"))),
                daemon("stack", "requires an unknown server", w -> {
                    w.asStack();
                    w.yaml.set("servers.ui.requires", List.of("vlm"));
                }, 2, w -> lines(w.problem("servers.ui.requires[0]", "no server 'vlm'; did you mean 'vllm'? the servers are vllm, ui"))),
                daemon("stack", "a server requires itself", w -> {
                    w.asStack();
                    w.yaml.set("servers.ui.requires", List.of("ui"));
                }, 2, w -> lines(w.problem("servers.ui.requires[0]", "a server cannot require itself"))),
                daemon("stack", "two servers on one port", w -> {
                    w.asStack();
                    w.yaml.set("servers.ui.runtime.port", w.port);
                }, 2, w -> lines(w.problem("servers.ui.runtime.port", "port " + w.port + " is also servers.vllm's runtime.port (line "
                        + w.yaml.at("servers.vllm.runtime.port").split(":")[0] + ")"))),
                daemon("stack", "a server name twice", w -> {
                    w.asStack();
                    w.appendToConfig("  vllm:\n    runtime: {port: " + TestServer.freePort() + "}\n");
                }, 2, w -> lines(w.configFile + ":" + (w.lineCount() - 1) + ":3: servers.vllm: duplicate key 'vllm' (first set at line "
                        + w.yaml.atKey("servers.vllm").replace(":", ", column ") + ")")),
                daemon("stack", "a server name that is not one", w -> {
                    w.asStack();
                    w.yaml.set("servers.GPU0.runtime.port", TestServer.freePort());
                }, 2, w -> lines(w.problemAtKey("servers.GPU0", "'GPU0' is not a server name; use lower-case letters, digits, _ and -,"
                        + " starting with a letter, at most 32 characters (e.g. vllm, ui, gpu-0)"))),
                daemon("stack", "the one-server form and servers together", w -> w.yaml.set("servers.vllm.runtime.command", "[/bin/true]"), 2,
                        w -> lines(w.problemAtKey("runtime", "a top-level runtime is the one-server form, which cannot be mixed with"
                                        + " servers (line " + w.yaml.atKey("servers").replace(":", ", column ") + "); move it under a server"
                                        + " in servers, or under defaults"),
                                w.problemAtKey("probes", "a top-level probes is the one-server form, which cannot be mixed with"
                                        + " servers (line " + w.yaml.atKey("servers").replace(":", ", column ") + "); move it under a server"
                                        + " in servers, or under defaults"),
                                w.problemAtKey("restart", "a top-level restart is the one-server form, which cannot be mixed with"
                                        + " servers (line " + w.yaml.atKey("servers").replace(":", ", column ") + "); move it under a server"
                                        + " in servers, or under defaults"))),

                // Ports and locks that another process holds.
                daemon("ports and locks", "metrics.listen port in use", w -> {
                    ServerSocket taken = w.hold(new ServerSocket(0, 50, InetAddress.getLoopbackAddress()));
                    w.yaml.set("metrics.listen", "\"127.0.0.1:" + taken.getLocalPort() + "\"");
                }, 1, w -> matching(Pattern.quote("glyphctl daemon: " + w.problem("metrics.listen", "127.0.0.1:" + w.heldPort()
                        + " is already in use by pid " + ProcessHandle.current().pid() + " (")) + ".+" + Pattern.quote("); " + NOTHING))),
                daemon("ports and locks", "metrics.listen on an address of another machine", w -> w.yaml.set("metrics.listen", "\"192.0.2.1:9464\""), 1,
                        w -> lines("glyphctl daemon: " + w.problem("metrics.listen", "192.0.2.1:9464: Cannot assign requested address; " + NOTHING))),
                daemon("ports and locks", "another supervisor holds the state_dir lock", w -> w.hold(LockHolder.start(w.state)), 1,
                        w -> lines("glyphctl daemon: another glyph-supervisor (pid " + w.lockHolderPid() + ") holds the lock "
                                + w.state.resolve("supervisor.lock") + "; not starting a second supervisor")),

                // glyphctl check reads the config as the daemon does, and starts nothing either.
                cli("check", "a config error", w -> {
                    w.yaml.set("runtime.port", "0");
                    return List.of("check", "--config", w.config().toString());
                }, 2, w -> lines(w.problem("runtime.port", "must be 1..65535, got 0"))),
                cli("check", "this machine cannot run the command", w -> {
                    w.yaml.set("runtime.command", List.of("./missing.sh"));
                    return List.of("check", "--config", w.config().toString());
                }, 2, w -> lines(w.problem("runtime.command[0]", "'./missing.sh' does not exist (looked for " + w.dir.resolve("missing.sh") + ")"))),

                // glyphctl misused.
                cli("usage", "no command", w -> List.of(), 2, w -> usage("a command is required", "")),
                cli("usage", "unknown command", w -> List.of("bogus"), 2,
                        w -> lines("unknown command 'bogus'; the commands are daemon, status, restart, stop, start, events, check, "
                                + "probe, completion, help (glyphctl help COMMAND says what one does)")),
                cli("usage", "unknown option", w -> List.of("status", "--bogus"), 2, w -> usage("Unknown option: '--bogus'", "status")),
                cli("usage", "--timeout x", w -> List.of("status", "--timeout", "x"), 2,
                        w -> usage("Invalid value for option '--timeout': 'x': " + NOT_A_DURATION, "status")),
                cli("usage", "events -n -1", w -> List.of("events", "-n", "-1"), 2, w -> usage("-n must be 0 or more, got -1", "events")),
                cli("usage", "events -n abc", w -> List.of("events", "-n", "abc"), 2,
                        w -> usage("Invalid value for option '-n': 'abc' is not an int", "events")),
                cli("usage", "--since yesterday", w -> List.of("events", "--since", "yesterday"), 2,
                        w -> usage("Invalid value for option '--since': 'yesterday': " + NOT_A_DURATION, "events")),
                cli("usage", "--since with a month 13", w -> List.of("events", "--since", "2026-13-01"), 2,
                        w -> usage("Invalid value for option '--since': '2026-13-01' is neither a time (2026-11-26T14:00:00Z, "
                                + "2026-11-26 14:00, 2026-11-26) nor a duration back from now (10m, 2h, 1d)", "events")),
                cli("usage", "option without its argument", w -> List.of("events", "--since"), 2,
                        w -> usage("Missing required parameter for option '--since' (T)", "events")),
                cli("usage", "--config without its file", w -> List.of("daemon", "--config"), 2,
                        w -> usage("Missing required parameter for option '--config' (FILE)", "daemon")),
                cli("usage", "--audit and --config together", w -> List.of("events", "--audit", w.audit.toString(), "--config", w.config().toString()), 2,
                        w -> usage("--audit and --config are mutually exclusive", "events")),
                cli("usage", "an extra argument", w -> List.of("daemon", "--config", w.config().toString(), "now"), 2,
                        w -> usage("Unmatched argument at index 3: 'now'", "daemon")),
                cli("usage", "a shell without completion", w -> List.of("completion", "fish"), 2,
                        w -> usage("Invalid value for positional parameter at index 0 (SHELL): expected one of [bash] (case-sensitive) "
                                + "but was 'fish'", "completion")),
                cli("no such file", "events on a missing audit log", w -> List.of("events", "--audit", w.dir.resolve("none.jsonl").toString()), 1,
                        w -> lines("glyphctl events: no audit log at " + w.dir.resolve("none.jsonl")
                                + " (the daemon creates it when it starts; check audit.path in the config)")),
                cli("no such file", "events on a directory", w -> List.of("events", "--audit", w.dir.resolve("log").toString()), 1,
                        w -> lines("glyphctl events: cannot read " + w.dir.resolve("log") + ": Is a directory")),
                cli("no such file", "status on a socket that is not there", w -> List.of("status", "--socket", w.dir.resolve("control.sock").toString()), 3,
                        w -> lines("glyphctl status: no daemon: the control socket " + w.dir.resolve("control.sock") + " does not exist"))
        );
    }

    private static final String HOME = System.getProperty("user.home");

    // ------------------------------------------------------------------------------------------------------------
    // The checks every case gets

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    @Execution(ExecutionMode.CONCURRENT) // each case is its own process in its own directory (junit-platform.properties)
    void refusedPreciselyAndNothingStartedOrLost(Case c) throws Exception {
        try (World w = new World(base)) {
            c.setup().apply(w);
            List<String> argv = c.argv().apply(w);
            FileTree before = FileTree.of(w.dir);

            GlyphctlLauncher.Result r = GlyphctlLauncher.run(w.io, CALL_TIMEOUT, argv);

            String call = "glyphctl " + String.join(" ", argv) + "\nstderr:\n" + r.err() + "stdout:\n" + r.out();
            assertEquals(c.exit(), r.exit(), "exit code of " + call);
            c.expected().apply(w).check(r.err(), call);
            assertEquals("", r.out(), "nothing on stdout: " + call);
            assertEquals(List.of(), FileTree.of(w.dir).changesSince(before),
                    "nothing created, changed or removed (state_dir, lock, socket, logs, the earlier audit log): " + call);
            assertFalse(Files.exists(w.started), "the server command did not run");
            assertEquals(List.of(), MarkedProcesses.carrying(w.state), "no server process of this state_dir");
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // runtime.port held by a foreign process: the one bad input the daemon rides out

    /**
     * A process the supervisor did not start listens on {@code runtime.port}. The same can happen between a stop
     * and a relaunch, where exiting would be wrong, and at boot it is often a server of the previous setup that is
     * still going away; so the daemon does not exit: it stays up, launches nothing into the held port, never kills
     * the holder, and says who holds it on stderr (the journal), in {@code glyphctl status} (exit 1) and in the
     * audit log; it launches as soon as the port is free.
     */
    @Test
    void aForeignProcessOnRuntimePortIsNamedEverywhereAndTheServerStartsOnceItLeaves() throws Exception {
        try (World w = new World(base)) {
            ServerSocket foreign = w.hold(new ServerSocket(w.port, 50, InetAddress.getLoopbackAddress()));
            Path config = w.config();
            long self = ProcessHandle.current().pid();
            String held = "runtime.port " + w.port + " is held by pid " + self + " (";
            Process daemon = GlyphctlLauncher.start(w.io.resolve("daemon.out"), w.io.resolve("daemon.err"),
                    List.of("daemon", "--config", config.toString()));
            try {
                Await.until(Duration.ofSeconds(30), "the daemon to name the port's holder on stderr",
                        () -> read(w.io.resolve("daemon.err")).contains("generation 1 not launched: " + held),
                        () -> read(w.io.resolve("daemon.err")));
                assertTrue(daemon.isAlive(), "the daemon stays up");
                assertFalse(Files.exists(w.started), "nothing launched into the held port");
                assertEquals(List.of(), MarkedProcesses.carrying(w.state));
                try (Socket s = new Socket(InetAddress.getLoopbackAddress(), w.port)) {
                    assertTrue(s.isConnected(), "the foreign listener was left alone");
                }

                // The refusal is logged just before the event loop records it: ask until status has it.
                GlyphctlLauncher.Result[] status = new GlyphctlLauncher.Result[1];
                Await.until(Duration.ofSeconds(30), "glyphctl status to name the port's holder", () -> {
                    status[0] = GlyphctlLauncher.run(w.io, CALL_TIMEOUT, List.of("status", "--config", config.toString()));
                    return status[0].out().contains("  waiting     launch refused (port_in_use) at ")
                            && status[0].out().contains(held);
                }, () -> status[0].out() + status[0].err());
                assertEquals(1, status[0].exit(), "status exit: running but not healthy (LSB 1)");
                JsonNode inUse = AuditReader.readAll(w.audit).stream().filter(e -> e.get("event").asText().equals("port_in_use"))
                        .findFirst().orElseThrow(() -> new AssertionError("no port_in_use record"));
                assertEquals(w.port, inUse.get("port").asInt());
                assertEquals(self, inUse.get("holder_pid").asLong());

                foreign.close();
                Await.until(Duration.ofSeconds(30), "the server to start once the port is free",
                        () -> Files.exists(w.started) && !MarkedProcesses.carrying(w.state).isEmpty(),
                        () -> read(w.io.resolve("daemon.err")));

                daemon.destroy(); // SIGTERM: the daemon stops its server before it exits
                assertTrue(daemon.waitFor(30, java.util.concurrent.TimeUnit.SECONDS), "the daemon exits on SIGTERM");
                assertEquals(143, daemon.exitValue());
                assertEquals(List.of(), MarkedProcesses.carrying(w.state), "no server left behind");
            } finally {
                daemon.destroyForcibly(); // the world's close ends any server it left
            }
        }
    }

    private static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // The case model

    /** One bad input: what to set up, the arguments, the exit code and the message it must get. */
    record Case(Setup setup, Argv argv, int exit, Expected expected) {
    }

    interface Setup {
        void apply(World w) throws Exception;
    }

    interface Argv {
        List<String> apply(World w) throws Exception;
    }

    interface Expected {
        Expect apply(World w);
    }

    /** {@code glyphctl daemon --config <the case's config>}, the way systemd starts it. */
    private static Named<Case> daemon(String category, String name, Setup setup, int exit, Expected expected) {
        return Named.of(category + ": " + name, new Case(setup, w -> List.of("daemon", "--config", w.config().toString()), exit, expected));
    }

    private static Named<Case> cli(String category, String name, Argv argv, int exit, Expected expected) {
        return Named.of(category + ": " + name, new Case(w -> { }, argv, exit, expected));
    }

    /** What stderr must be. */
    interface Expect {
        void check(String stderr, String call);
    }

    /** Exactly these lines and nothing else. */
    private static Expect lines(String... lines) {
        return (stderr, call) -> assertEquals(List.of(lines), stderr.lines().toList(), "stderr of " + call);
    }

    /** A usage error: this line, then the usage of {@code glyphctl <command>} (picocli's help, which we do not pin). */
    private static Expect usage(String line, String command) {
        return (stderr, call) -> {
            List<String> got = stderr.lines().toList();
            assertEquals(line, got.isEmpty() ? "" : got.get(0), "first line of stderr of " + call);
            assertTrue(got.stream().skip(1).anyMatch(l -> l.startsWith("Usage: glyphctl" + (command.isEmpty() ? " " : " " + command + " "))),
                    "the usage of glyphctl " + command + " follows: " + call);
        };
    }

    /** The whole of stderr (one line) matches: for a message that quotes another process's command line. */
    private static Expect matching(String regex) {
        return (stderr, call) -> {
            assertEquals(1, stderr.lines().count(), "one line on stderr: " + call);
            assertTrue(Pattern.compile(regex).matcher(stderr.strip()).matches(), "stderr matches " + regex + ": " + call);
        };
    }

    // ------------------------------------------------------------------------------------------------------------
    // The world a case runs in

    /**
     * A directory as a supervisor leaves it after an earlier, clean run: the log directory with its audit log (two
     * records), no state_dir yet, and a valid config whose server would touch STARTED and then run with the marker.
     * The call's own stdout and stderr go to {@link #io}, outside.
     */
    static final class World implements AutoCloseable {

        final Path dir;
        final Path io;
        Path state;
        final Path audit;
        final Path started;
        final int port;
        final YamlConfig yaml = new YamlConfig();
        Path configFile;
        private final List<AutoCloseable> held = new ArrayList<>();
        private int heldPort = -1;
        private String appended = "";

        World(Path base) throws IOException {
            dir = Files.createDirectory(base.resolve("world"));
            io = Files.createDirectory(base.resolve("io"));
            state = dir.resolve("state");
            audit = Files.createDirectory(dir.resolve("log")).resolve("audit.jsonl");
            Files.writeString(audit,
                    "{\"schema\":1,\"ts\":\"2026-01-01T00:00:00.000Z\",\"seq\":1,\"event\":\"supervisor_started\",\"generation\":0}\n"
                    + "{\"schema\":1,\"ts\":\"2026-01-01T00:00:05.000Z\",\"seq\":2,\"event\":\"supervisor_stopped\",\"generation\":0}\n");
            started = dir.resolve("STARTED");
            configFile = dir.resolve("supervisor.yaml");
            port = TestServer.freePort();
            yaml.set("runtime.command", List.of("/bin/sh", "-c", "\"touch " + started + "; exec sleep 600\""))
                    .set("runtime.workdir", dir)
                    .set("runtime.env.PATH", "\"/usr/bin:/bin\"")
                    .set("runtime.port", port)
                    .set("runtime.log", dir.resolve("log/runtime.log"))
                    .set("probes.schedule", "\"10s\"")
                    .set("restart.backoff_initial", "200ms")
                    .set("restart.backoff_max", "1s")
                    .set("state_dir", state)
                    .set("audit.path", audit);
        }

        /** Writes the config (unless the case named another file) and returns its path. */
        Path config() throws IOException {
            if (configFile.equals(dir.resolve("supervisor.yaml"))) {
                Files.writeString(configFile, yaml.render() + appended);
            }
            return configFile;
        }

        /**
         * The servers form: the one server's settings become defaults, and two servers stand on them: vllm on
         * {@link #port} and ui (on another free port) requiring it. Each server would touch STARTED too.
         */
        void asStack() {
            yaml.remove("runtime").remove("probes").remove("restart");
            yaml.set("defaults.runtime.command", List.of("/bin/sh", "-c", "\"touch " + started + "; exec sleep 600\""))
                    .set("defaults.runtime.workdir", dir)
                    .set("defaults.runtime.env.PATH", "\"/usr/bin:/bin\"")
                    .set("defaults.probes.schedule", "\"10s\"")
                    .set("defaults.restart.backoff_initial", "200ms")
                    .set("defaults.restart.backoff_max", "1s")
                    .set("servers.vllm.runtime.port", port)
                    .set("servers.ui.requires", List.of("vllm"))
                    .set("servers.ui.runtime.port", TestServer.freePort());
        }

        void useStateDir(Path stateDir) {
            state = stateDir;
            yaml.set("state_dir", stateDir);
        }

        /** A directory (not created) whose socket path cannot fit in sun_path: 107 bytes and a NUL. */
        Path longPath() {
            return dir.resolve("d".repeat(100));
        }

        void useConfig(Path file) {
            configFile = file;
        }

        void appendToConfig(String text) {
            appended += text;
        }

        /** Lines of the rendered config (appended text included). */
        int lineCount() {
            return (int) (yaml.render() + appended).lines().count();
        }

        /** "LINE:COL" of the ':' after the key. */
        String colonOf(String key) {
            String[] at = yaml.atKey(key).split(":");
            return at[0] + ":" + (Integer.parseInt(at[1]) + key.substring(key.lastIndexOf('.') + 1).length());
        }

        /** {@code FILE:LINE:COL: key: message}, LINE:COL of the key's value. */
        String problem(String key, String message) {
            return configFile + ":" + yaml.at(key) + ": " + key + ": " + message;
        }

        /** {@code FILE:LINE:COL: key: message} for a value {@code offset} columns into the flow value at {@code at}. */
        String problemWithin(String at, int offset, String key, String message) {
            String[] position = yaml.at(at).split(":");
            return configFile + ":" + position[0] + ":" + (Integer.parseInt(position[1]) + offset) + ": " + key + ": " + message;
        }

        String problemAtKey(String key, String message) {
            return configFile + ":" + yaml.atKey(key) + ": " + key + ": " + message;
        }

        /** Keeps a port, a lock or the like for the case; released when the case ends. */
        <T extends AutoCloseable> T hold(T resource) {
            held.add(resource);
            if (resource instanceof ServerSocket s) {
                heldPort = s.getLocalPort();
            }
            return resource;
        }

        int heldPort() {
            return heldPort;
        }

        long lockHolderPid() {
            return held.stream().filter(LockHolder.class::isInstance).map(h -> ((LockHolder) h).pid()).findFirst().orElseThrow();
        }

        /** Releases what the case held, and ends any server of this state_dir that a failed case left running. */
        @Override
        public void close() throws Exception {
            for (AutoCloseable resource : held) {
                resource.close();
            }
            for (long pid : MarkedProcesses.carrying(state)) {
                ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
            }
        }
    }
}
