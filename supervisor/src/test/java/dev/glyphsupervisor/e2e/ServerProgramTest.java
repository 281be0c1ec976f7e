package dev.glyphsupervisor.e2e;

import dev.glyphsupervisor.config.ConfigLoader;
import dev.glyphsupervisor.config.ServerConfig;
import dev.glyphsupervisor.config.SupervisorConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/** The benchmark's reference runtime is the default config's embeddings server, alone, moved out of the way. */
class ServerProgramTest {

    @Test
    void theReferenceRuntimeIsTheDefaultConfigsEmbeddingsServerAlone(@TempDir Path dir) throws Exception {
        ServerProgram program = ServerProgram.referenceRuntime(dir);
        SupervisorConfig config = ConfigLoader.load(program.glyphConfig().orElseThrow());
        ServerConfig defaults = ConfigLoader.load(ServerProgram.DEFAULT_CONFIG).server("embeddings").orElseThrow();

        assertEquals(List.of("embeddings"), config.serverNames());
        ServerConfig server = config.onlyServer();
        assertNotEquals(7878, program.port());
        assertEquals(program.port(), server.runtime().port().orElseThrow());
        assertEquals(dir.resolve("run/log/embeddings.log"), server.runtime().log());
        assertEquals(dir.resolve("run/state"), config.stateDir());
        assertEquals(Duration.ofSeconds(1), server.restart().backoffReset());
        assertEquals(defaults.runtime().command().subList(1, 4), server.runtime().command().subList(1, 4));
    }
}
