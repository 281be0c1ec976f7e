package dev.glyphsupervisor.config;

import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Writes configs as real files, because the loader's messages quote the file's path and positions. */
final class ConfigFiles {

    private ConfigFiles() {
    }

    static Path write(Path dir, String name, String yaml) {
        try {
            return Files.writeString(dir.resolve(name), yaml);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Path copyFixture(Path dir, String fixture) {
        try (InputStream in = ConfigFiles.class.getResourceAsStream("/config/" + fixture)) {
            Path target = dir.resolve(fixture);
            Files.copy(in, target);
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The problems of a config that must not load. */
    static List<String> problemsOf(Path file) {
        return assertThrows(ConfigException.class, () -> ConfigLoader.load(file)).problems();
    }
}
