package dev.glyphsupervisor.cli;

import dev.glyphsupervisor.config.ConfigLoader;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Build-time only (not a glyphctl command): the training run for the CLI's AppCDS archive. The build runs it
 * once with {@code -XX:DumpLoadedClassList}, then makes a static archive from that list, so that the classes a
 * {@code glyphctl status} loads (picocli, the config's YAML stack, the control client, Jackson's tree) are in the
 * archive without a daemon: a canned status answer comes from a throwaway socket of its own.
 * Usage: {@code CdsTraining CONFIG}.
 */
public final class CdsTraining {

    private static final String ANSWER = "{\"v\":1,\"ok\":true,\"state\":\"RUNNING\",\"pid\":2,\"pgid\":2,\"generation\":1,"
            + "\"uptime_s\":168,\"daemon_pid\":1,\"daemon_uptime_s\":168,\"restarts\":{\"total\":1,\"last_24h\":1},"
            + "\"last_restart\":{\"reason\":\"probe\",\"at\":\"2026-01-01T00:00:00Z\"},\"probes\":[{\"probe\":\"http\","
            + "\"status\":\"SUCCESS\",\"detail\":\"status 200\",\"latency_ms\":3.5}],\"gpu\":{\"configured\":true,"
            + "\"tree_bytes\":1048576,\"limit_bytes\":2097152,\"growth_bytes_per_hour\":1024,\"time_to_limit_s\":3600,"
            + "\"reading\":{\"generation\":1,\"at\":\"2026-01-01T00:00:00Z\",\"current\":true},\"unknown\":null,"
            + "\"devices\":[{\"index\":0,\"uuid\":\"GPU-0\",\"name\":\"GPU\",\"used\":3145728,\"total\":8388608,"
            + "\"limit\":7969177,\"tree\":1048576,\"others\":{\"7\":1048576},\"unowned\":1048576}]},"
            + "\"memory\":{\"configured\":true,\"tree_rss_bytes\":1048576,\"limit_bytes\":null,\"growth_bytes_per_hour\":null,"
            + "\"host_available_bytes\":4194304,\"reading\":{\"generation\":1,\"at\":\"2026-01-01T00:00:00Z\","
            + "\"current\":true}},\"launch_refused\":null,\"paused_by\":null,"
            + "\"paused_at\":null,\"next_probe\":\"2026-01-01T00:00:10Z\",\"next_maintenance\":null,\"config\":\"c\",\"audit\":\"a\"}\n";

    private CdsTraining() {
    }

    public static void main(String[] args) throws Exception {
        ConfigLoader.load(Path.of(args[0])); // the YAML stack and the config model, as check and daemon load them
        ConfigLoader.loadControl(Path.of(args[0])); // the part the daemon commands read
        Path dir = Files.createTempDirectory("glyphctl-cds");
        Path socket = dir.resolve("control.sock");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket));
            Thread daemon = new Thread(() -> answer(server, 4), "cds-training-daemon");
            daemon.setDaemon(true);
            daemon.start();
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
            daemon.join(10_000);
        } finally {
            Files.deleteIfExists(socket);
            Files.deleteIfExists(dir);
        }
    }

    private static void answer(ServerSocketChannel server, int calls) {
        for (int i = 0; i < calls; i++) {
            try (SocketChannel c = server.accept()) {
                ByteBuffer in = ByteBuffer.allocate(8192);
                while (c.read(in) >= 0 && (in.position() == 0 || in.get(in.position() - 1) != '\n')) {
                    // one request line
                }
                ByteBuffer out = ByteBuffer.wrap(ANSWER.getBytes(StandardCharsets.UTF_8));
                while (out.hasRemaining()) {
                    c.write(out);
                }
            } catch (IOException e) {
                return;
            }
        }
    }
}
