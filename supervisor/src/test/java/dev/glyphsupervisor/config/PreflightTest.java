package dev.glyphsupervisor.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PreflightTest {

    @TempDir
    Path dir;

    private Path workdir;

    @BeforeEach
    void createWorkdirWithAnExecutable() throws IOException {
        workdir = Files.createDirectory(dir.resolve("work"));
        Path serve = Files.writeString(workdir.resolve("serve.sh"), "#!/bin/sh\n");
        Files.setPosixFilePermissions(serve, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    private SupervisorConfig load(String yaml) throws ConfigException {
        return ConfigLoader.load(ConfigFiles.write(dir, "glyph.yaml", yaml));
    }

    @Test
    void passesWhenEverythingIsInPlaceAndCreatesNothing() throws ConfigException {
        SupervisorConfig config = load("""
                runtime: {command: [./serve.sh], workdir: work}
                state_dir: state/nested
                """);

        assertEquals(List.of(), Preflight.check(config));
        assertEquals(false, Files.exists(dir.resolve("state")), "Preflight only looks");
    }

    @Test
    void bareCommandIsFoundOnTheConfiguredPath() throws ConfigException {
        SupervisorConfig config = load("""
                runtime: {command: [serve.sh], workdir: work, env: {PATH: "/nonexistent:${config_dir}/work"}}
                state_dir: state
                """);

        assertEquals(List.of(), Preflight.check(config));
    }

    @Test
    void commandNotOnPath() throws ConfigException {
        SupervisorConfig config = load("""
                runtime:
                  command: [nosuchbin, --flag]
                  workdir: work
                  env: {PATH: "/usr/bin:/bin"}
                state_dir: state
                """);

        assertEquals(List.of(config.source() + ":2:13: runtime.command[0]: 'nosuchbin' not found on PATH (/usr/bin:/bin)"),
                Preflight.check(config));
    }

    @Test
    void commandPathThatDoesNotExist() throws ConfigException {
        SupervisorConfig config = load("""
                runtime: {command: [./missing.sh], workdir: work}
                state_dir: state
                """);

        assertEquals(List.of(config.source() + ":1:21: runtime.command[0]: './missing.sh' does not exist (looked for "
                + workdir.resolve("missing.sh") + ")"), Preflight.check(config));
    }

    @Test
    void commandFileThatIsNotExecutable() throws Exception {
        Files.writeString(workdir.resolve("plain.sh"), "echo\n");
        SupervisorConfig config = load("""
                runtime: {command: ["${config_dir}/work/plain.sh"], workdir: work}
                state_dir: state
                """);

        // Root, too, needs an execute bit to run a file, so this holds whoever runs the tests.
        Path plain = workdir.resolve("plain.sh");
        assertEquals(List.of(config.source() + ":1:21: runtime.command[0]: '" + plain + "' is not executable (chmod +x "
                + plain + ")"), Preflight.check(config));
    }

    @Test
    void workdirMissing() throws ConfigException {
        SupervisorConfig config = load("""
                runtime:
                  command: [/bin/sh]
                  workdir: gone
                state_dir: state
                """);

        assertEquals(List.of(config.source() + ":3:12: runtime.workdir: " + dir.resolve("gone") + " does not exist"),
                Preflight.check(config));
    }

    @Test
    void stateDirIsAFile() throws Exception {
        Files.writeString(dir.resolve("state"), "");
        SupervisorConfig config = load("""
                runtime: {command: [/bin/sh]}
                state_dir: state
                audit: {path: /tmp/glyph-preflight-audit/audit.jsonl}
                """);

        Path state = dir.resolve("state");
        assertEquals(List.of(
                config.source() + ":2:12: state_dir: " + state + " is a file, not a directory",
                config.source() + ":1:10: runtime.log: its directory: " + state + " is a file, not a directory"),
                Preflight.check(config));
    }

    @Test
    void stateDirUnderARegularFileCannotBeCreated() throws Exception {
        // Unwritable for everyone, root included: no directory can be made below a regular file.
        Files.writeString(dir.resolve("blocker"), "");
        SupervisorConfig config = load("""
                runtime: {command: [/bin/sh], log: /tmp/glyph-preflight.log}
                state_dir: blocker/state
                audit:
                  path: blocker/audit/audit.jsonl
                """);

        Path blocker = dir.resolve("blocker");
        assertEquals(List.of(
                config.source() + ":2:12: state_dir: " + blocker.resolve("state") + " cannot be created: " + blocker
                        + " is a file, not a directory",
                config.source() + ":4:9: audit.path: its directory: " + blocker.resolve("audit") + " cannot be created: "
                        + blocker + " is a file, not a directory"),
                Preflight.check(config));
    }

    @Test
    void logPathThatIsADirectory() throws Exception {
        Files.createDirectories(dir.resolve("state/runtime.log"));
        SupervisorConfig config = load("runtime: {command: [/bin/sh]}\nstate_dir: state\n");

        assertEquals(List.of(config.source() + ":1:10: runtime.log: " + dir.resolve("state/runtime.log")
                + " is a directory, not a file"), Preflight.check(config));
    }

    @Test
    void stateDirWithoutWritePermission() throws Exception {
        // Root writes regardless of permission bits, so this case can only be seen as another user.
        assumeFalse("root".equals(System.getProperty("user.name")), "running as root: permission bits do not stop root");
        Path readOnly = Files.createDirectory(dir.resolve("readonly"));
        Files.setPosixFilePermissions(readOnly, PosixFilePermissions.fromString("r-xr-xr-x"));
        SupervisorConfig config = load("runtime: {command: [/bin/sh]}\nstate_dir: readonly\naudit: {path: /tmp/a.jsonl}\n");

        assertEquals(List.of(
                config.source() + ":2:12: state_dir: " + readOnly + " is not writable",
                config.source() + ":1:10: runtime.log: its directory: " + readOnly + " is not writable"),
                Preflight.check(config));
    }

    @Test
    void configBuiltInCodeNamesTheFileWithoutALine() throws ConfigException {
        SupervisorConfig loaded = load("runtime: {command: [nosuchbin], env: {PATH: /bin}}\nstate_dir: state\n");
        SupervisorConfig inCode = TestConfigs.config(loaded.source(), loaded.stateDir()).runtime(loaded.onlyServer().runtime())
                .probes(loaded.onlyServer().probes()).restart(loaded.onlyServer().restart()).audit(loaded.audit()).build();

        assertEquals(List.of(loaded.source() + ": runtime.command[0]: 'nosuchbin' not found on PATH (/bin)"),
                Preflight.check(inCode));
        assertEquals(loaded, inCode, "locations are not part of the config's value");
    }
}
