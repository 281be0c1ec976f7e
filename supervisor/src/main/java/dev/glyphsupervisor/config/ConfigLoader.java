package dev.glyphsupervisor.config;

import dev.glyphsupervisor.io.IoMessages;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Reads and validates the supervisor's YAML config. Every problem is reported as
 * {@code FILE:LINE:COL: key.path: message}, all of them at once where the file could be parsed.
 *
 * <p>Path rules:
 * <ul>
 *   <li>{@code ${config_dir}}, the absolute directory of the config file, is expanded first in every path
 *       ({@code runtime.workdir}, {@code runtime.log}, {@code state_dir}, {@code audit.path}), every cache
 *       glob, every word of {@code runtime.command} and every {@code runtime.env} value. In path fields any
 *       other {@code ${...}} is an error.
 *   <li>After that, a relative {@code runtime.workdir}, {@code runtime.log}, {@code state_dir} or
 *       {@code audit.path} is resolved against the config file's directory (not the current directory),
 *       and every path is normalized.
 *   <li>Cache globs are not resolved: they must be absolute after expansion, and safe by
 *       {@code CacheGlobs.unsafeReason} against the user's home directory.
 *   <li>Defaults: {@code workdir} is the config file's directory; {@code log} is
 *       {@code <state_dir>/runtime.log}; {@code audit.path} is {@code <state_dir>/audit.jsonl}.
 * </ul>
 *
 * <p>Loading checks the file only; whether the command, the directories and the permissions exist on
 * this machine is {@link Preflight}'s job.
 */
public final class ConfigLoader {

    private ConfigLoader() {
    }

    public static SupervisorConfig load(Path file) throws ConfigException {
        Problems problems = new Problems(file);
        Optional<String> text = read(file, problems);
        Optional<SupervisorConfig> config = text
                .flatMap(yaml -> YamlTree.read(yaml, problems))
                .flatMap(root -> binder(file, problems).bind(root));
        problems.throwIfAny();
        return config.orElseThrow(() -> new IllegalStateException("no config and no problem reported for " + file));
    }

    /**
     * Only the control socket settings ({@code state_dir} and {@code control}), for the glyphctl commands that talk
     * to a running daemon: reading and checking the whole config (cron, URLs, globs, ...) was about a fifth of a
     * {@code glyphctl status} call, for two keys. Problems in those keys (and an unreadable or unparsable file)
     * are reported exactly as {@link #load} reports them.
     */
    public static ControlConfig loadControl(Path file) throws ConfigException {
        Problems problems = new Problems(file);
        Optional<ControlConfig> control = read(file, problems)
                .flatMap(yaml -> YamlTree.read(yaml, problems))
                .flatMap(root -> binder(file, problems).bindControl(root));
        problems.throwIfAny();
        return control.orElseThrow(() -> new IllegalStateException("no control config and no problem reported for " + file));
    }

    /** Cache globs are judged against the home directory of the user loading the config (see RuntimeConfig#home). */
    private static ConfigBinder binder(Path file, Problems problems) {
        return new ConfigBinder(file, problems, Path.of(System.getProperty("user.home")));
    }

    private static Optional<String> read(Path file, Problems problems) {
        if (Files.isDirectory(file)) {
            problems.addForFile("cannot read the config file: it is a directory");
            return Optional.empty();
        }
        try {
            return Optional.of(Files.readString(file));
        } catch (NoSuchFileException missing) {
            problems.addForFile("cannot read the config file: no such file");
        } catch (AccessDeniedException denied) {
            problems.addForFile("cannot read the config file: permission denied for user " + System.getProperty("user.name")
                    + " (" + AccessAdvice.forUnreadable(file) + ")");
        } catch (CharacterCodingException notUtf8) {
            problems.addForFile("cannot read the config file: it is not UTF-8 text");
        } catch (IOException failed) {
            // e.g. a parent that is a file ("Not a directory"), a symlink loop, an I/O error: the reason, not the class
            String reason = IoMessages.reason(failed);
            problems.addForFile("cannot read the config file: "
                    + (reason.equals("Not a directory") ? "a part of its path is a file, not a directory" : reason));
        }
        return Optional.empty();
    }
}
