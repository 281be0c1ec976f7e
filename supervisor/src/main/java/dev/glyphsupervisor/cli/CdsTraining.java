package dev.glyphsupervisor.cli;

import dev.glyphsupervisor.config.ConfigLoader;
import dev.glyphsupervisor.control.ControlRequest;
import dev.glyphsupervisor.control.ControlServer;
import dev.glyphsupervisor.control.ServersReply;
import dev.glyphsupervisor.control.StatusReply;

import java.io.PrintWriter;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Build-time only (not a glyphctl command): the training run for the CLI's AppCDS archive. The build runs it
 * once with {@code -XX:DumpLoadedClassList}, then makes a static archive from that list, so that the classes a
 * {@code glyphctl status} loads (picocli, the config's YAML stack, the control client, Jackson's tree) are in the
 * archive without a daemon: a canned status answer ({@link #STATUS}) comes from a control server on a throwaway
 * socket of its own.
 * Usage: {@code CdsTraining CONFIG}.
 */
public final class CdsTraining {

    /**
     * A status that takes every branch of the text view a healthy server with GPU and host limits, a progress probe
     * and an inference probe takes.
     */
    static final StatusReply STATUS = sample();

    /** The daemon's one server, as {@code status} first asks for the list. */
    static final ServersReply SERVERS = new ServersReply(List.of(new ServersReply.Line("default", "RUNNING", 2L, 1, 168L,
            1, 1, 1048576L, List.of(), List.of(), null, null)));

    private CdsTraining() {
    }

    public static void main(String[] args) throws Exception {
        ConfigLoader.load(Path.of(args[0])); // the YAML stack and the config model, as check and daemon load them
        ConfigLoader.loadControl(Path.of(args[0])); // the part the daemon commands read
        Path dir = Files.createTempDirectory("glyphctl-cds");
        Path socket = dir.resolve("control.sock");
        // The product's own control server, answering every request with the canned status.
        ControlServer server = ControlServer.start(socket, 0600, Optional.empty(),
                (request, user) -> request instanceof ControlRequest.Servers ? SERVERS : STATUS);
        try {
            PrintWriter none = new PrintWriter(Writer.nullWriter());
            DaemonAddress address = new DaemonAddress();
            address.socket = socket;
            for (boolean json : new boolean[] {false, true}) { // QuickStatus's path
                StatusCommand.status(address, json, Duration.ofSeconds(3), none, none);
            }
            QuickStatus.writer(System.out, "sun.stdout.encoding");
            for (String[] call : new String[][] {{"status", "--socket", socket.toString()},
                    {"status", "--json", "--socket", socket.toString()}, {"--version"}}) {
                var cli = Glyphctl.commandLine(call);
                cli.setOut(none);
                cli.setErr(none);
                cli.execute(call);
            }
            for (String command : new String[] {"restart", "stop", "start"}) {
                Glyphctl.commandLine(command, "--help");
            }
            Glyphctl.commandLine(); // the full tree, for the other commands
        } finally {
            server.close();
            Files.deleteIfExists(socket);
            Files.deleteIfExists(dir);
        }
    }

    private static StatusReply sample() {
        Instant at = Instant.parse("2026-01-01T00:00:00Z");
        StatusReply.Reading reading = new StatusReply.Reading(1, at, true);
        return new StatusReply("RUNNING", 2L, 2L, 1, 168L, 1, 168, new StatusReply.Restarts(1, 1),
                new StatusReply.LastRestart("probe", at, null), null,
                List.of(new StatusReply.ProbeLine("http", "SUCCESS", "status 200", 3.5)), 1L, true,
                new StatusReply.Gpu(true, 1048576L, 2097152L, 1024L, 3600L, reading, null,
                        List.of(new StatusReply.Device(0, "GPU-0", "GPU", 3145728, 8388608, 7969177L, 1048576L,
                                Map.of("7", 1048576L), 1048576))),
                new StatusReply.Memory(true, 1048576L, null, null, 4194304L, reading),
                new StatusReply.Progress("PROGRESSING", "2 pending, 41.3 steps/s", 2.0, 1234.0, 41.3, 0.0, null, 120.0,
                        true, "vllm", "http://127.0.0.1:8000/metrics", null),
                new StatusReply.Inference("OK", 183.0, "status 200 in 183 ms", at, 200, 0, 3, false, null, null, null,
                        Instant.parse("2026-01-01T00:01:00Z"), "POST", "http://127.0.0.1:8000/v1/chat/completions"),
                null, null, null,
                Instant.parse("2026-01-01T00:00:10Z"), null, "c", "a");
    }
}
