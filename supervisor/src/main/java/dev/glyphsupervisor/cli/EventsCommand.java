package dev.glyphsupervisor.cli;

import dev.glyphsupervisor.audit.AuditFollower;
import dev.glyphsupervisor.audit.AuditReader;
import dev.glyphsupervisor.audit.AuditRecord;
import dev.glyphsupervisor.config.ConfigException;
import dev.glyphsupervisor.config.ConfigLoader;
import dev.glyphsupervisor.io.IoMessages;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.channels.ClosedByInterruptException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.function.Consumer;

/**
 * {@code glyphctl events}: the audit log, readable. Needs no daemon: it reads the file the config names
 * (or {@code --audit}), the rotated files too when the current one has fewer records than asked for.
 */
@Command(name = "events", mixinStandardHelpOptions = true,
        description = "Print the audit log: the last records, optionally since a time, and follow it.",
        footer = "%nExit codes: 0 ok, 1 no audit log at the path (or it cannot be read), 2 usage error or invalid config.")
public final class EventsCommand implements Callable<Integer> {

    /** Exit code when there is no audit log to read: the command could not do its job (not LSB's 3, which means "not running"). */
    static final int EXIT_NO_LOG = 1;
    static final int DEFAULT_COUNT = 20;
    /** Short enough to feel live, long enough to cost nothing: one stat and one read per poll. */
    static final Duration POLL = Duration.ofMillis(200);

    @Mixin
    ConfigOption configOption;

    @Spec
    CommandSpec spec;

    @Option(names = "-n", paramLabel = "N",
            description = "Print the last N records (default " + DEFAULT_COUNT + "; with --since, every record since then).")
    Integer count;

    @Option(names = {"-f", "--follow"}, description = "Keep printing records as they are appended, until interrupted.")
    boolean follow;

    @Option(names = "--since", paramLabel = "T", converter = SinceConverter.class,
            description = "Only records at or after T: an ISO-8601 instant (2026-11-26T14:00:00Z), a local date-time "
                    + "(2026-11-26T14:00), a date, or a duration back from now (10m, 2h).")
    Instant since;

    @Option(names = "--server", paramLabel = "NAME", split = ",", completionCandidates = ServerNameCandidates.class,
            description = "Only records of these servers (repeat it, or NAME,NAME). The daemon's own records "
                    + "(supervisor_started...) name no server and are left out. A name the log does not hold is not "
                    + "an error (it may be from an older config): when nothing matches, it says which names the log holds.")
    List<String> servers;

    @Option(names = "--json", description = "Print the records as JSON, one object per line.")
    boolean json;

    @Option(names = "--audit", paramLabel = "PATH", description = "Read this audit log instead of the config's audit.path.")
    Path audit;

    /** The server names of the records read so far, for the note when --server matches none. */
    private final Set<String> seenServers = new TreeSet<>();

    /** The zone the times are shown in; tests pin it. */
    ZoneId zone = ZoneId.systemDefault();

    @Override
    public Integer call() throws InterruptedException {
        if (count != null && count < 0) {
            throw new ParameterException(spec.commandLine(), "-n must be 0 or more, got " + count);
        }
        if (servers != null && servers.stream().anyMatch(String::isBlank)) {
            throw new ParameterException(spec.commandLine(), "--server needs a server's name, got an empty one");
        }
        if (audit != null && spec.commandLine().getParseResult().hasMatchedOption("--config")) {
            throw new ParameterException(spec.commandLine(), "--audit and --config are mutually exclusive");
        }
        PrintWriter err = spec.commandLine().getErr();
        Path path;
        try {
            path = audit != null ? audit : ConfigLoader.load(configOption.resolve()).audit().path();
        } catch (ConfigException e) {
            err.println(e.getMessage());
            err.flush();
            return Glyphctl.EXIT_USAGE;
        }
        if (!Files.exists(path) && !Files.exists(AuditReader.rotatedFile(path, 1))) {
            err.println("glyphctl events: no audit log at " + path
                    + " (the daemon creates it when it starts; check audit.path in the config)");
            err.flush();
            return EXIT_NO_LOG;
        }
        PrintWriter out = spec.commandLine().getOut();
        EventFormat format = new EventFormat(zone);
        Consumer<AuditRecord> print = record -> out.println(json ? record.toJson() : format.format(record));
        try (AuditFollower follower = new AuditFollower(path)) {
            Deque<AuditRecord> history = history(path, follower);
            history.forEach(print);
            out.flush();
            if (history.isEmpty() && servers != null && limit() > 0) {
                err.println(noServerMatched(path));
                err.flush();
            }
            while (follow) {
                Thread.sleep(POLL.toMillis());
                follower.pollRecords(record -> {
                    if (wanted(record)) {
                        print.accept(record);
                    }
                });
                out.flush();
            }
        } catch (ClosedByInterruptException e) {
            Thread.interrupted(); // interrupted inside a read: the same stop as during the sleep
            out.flush();
        } catch (IOException e) {
            err.println("glyphctl events: cannot read " + path + ": " + IoMessages.reason(e));
            err.flush();
            return EXIT_NO_LOG;
        } catch (InterruptedException e) {
            // how --follow ends when run inside a JVM (tests); from a terminal, Ctrl-C ends the JVM itself
            out.flush();
        }
        return 0;
    }

    /**
     * The records to show before following: the last N that pass --since, newest file first. The current
     * file is read through the follower, so following continues exactly where the history ends.
     */
    private Deque<AuditRecord> history(Path path, AuditFollower follower) throws IOException {
        int limit = limit();
        Deque<AuditRecord> shown = new ArrayDeque<>();
        follower.pollRecords(record -> {
            if (wanted(record)) {
                shown.addLast(record);
                if (shown.size() > limit) {
                    shown.removeFirst();
                }
            }
        });
        for (int i = 1; shown.size() < limit; i++) {
            Path older = AuditReader.rotatedFile(path, i);
            if (!Files.exists(older)) {
                break;
            }
            List<AuditRecord> records = AuditReader.records(older);
            for (int r = records.size() - 1; r >= 0 && shown.size() < limit; r--) {
                if (wanted(records.get(r))) {
                    shown.addFirst(records.get(r));
                }
            }
            if (since != null && records.stream().anyMatch(record -> !wanted(record))) {
                break; // this file reaches back before --since, so every older file is entirely before it
            }
        }
        return shown;
    }

    private int limit() {
        return count != null ? count : since != null ? Integer.MAX_VALUE : DEFAULT_COUNT;
    }

    private boolean wanted(AuditRecord record) {
        record.server().ifPresent(seenServers::add);
        return (since == null || record.ts().map(t -> !t.isBefore(since)).orElse(false))
                && (servers == null || record.server().map(servers::contains).orElse(false));
    }

    /** What --server found nothing of, and the names the records read do hold (stderr: the output stays records). */
    private String noServerMatched(Path path) {
        return "glyphctl events: no record of server " + String.join(", ", new LinkedHashSet<>(servers)) + " in " + path
                + (since != null ? " since " + since : "") + "; "
                + (seenServers.isEmpty() ? "its records name no server" : "its records name " + String.join(", ", seenServers));
    }
}
