package dev.glyphsupervisor.cli;

import picocli.CommandLine;

import java.io.PrintWriter;
import java.util.OptionalInt;
import java.util.logging.Level;
import picocli.CommandLine.Command;

import java.util.Optional;

/** {@code glyphctl}: the daemon and the commands that drive it. */
@Command(name = "glyphctl",
        mixinStandardHelpOptions = true,
        versionProvider = Version.class,
        description = "Runs and heals an AI inference server.",
        subcommands = {DaemonCommand.class, StatusCommand.class, RestartCommand.class, StopCommand.class, StartCommand.class,
                EventsCommand.class, CheckCommand.class, ProbeCommand.class, CompletionCommand.class,
                CommandLine.HelpCommand.class})
public final class Glyphctl implements Runnable {

    /** Exit code for a usage error or an invalid config (picocli's and LSB's convention). */
    public static final int EXIT_USAGE = 2;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        OptionalInt quick = QuickStatus.run(args, QuickStatus.writer(System.out, "sun.stdout.encoding"),
                QuickStatus.writer(System.err, "sun.stderr.encoding"));
        if (quick.isPresent()) {
            System.exit(quick.getAsInt());
        }
        CommandLine cli = commandLine(args);
        if (args.length > 0 && args[0].equals("daemon") && Logging.underJournal()) {
            // Under systemd the daemon's stderr is the journal: what it prints there outside the logger (a bad
            // config, a usage error, why the start failed) is an error and must be filed as one.
            cli.setErr(new PrintWriter(new PriorityPrefixWriter(cli.getErr(), Logging.priority(Level.SEVERE)), true));
        }
        System.exit(cli.execute(args));
    }

    public static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new Glyphctl());
        CommandLine.IParameterExceptionHandler picocli = cli.getParameterExceptionHandler();
        cli.setParameterExceptionHandler((e, args) -> unknownCommand(e).orElseGet(() -> {
            try {
                return picocli.handleParseException(e, args);
            } catch (Exception unexpected) {
                throw new IllegalStateException(unexpected);
            }
        }));
        return cli;
    }

    /**
     * A word where the command goes that is no command: picocli calls it an "Unmatched argument at index 0" and
     * suggests the closest command, however far (status, for "bogus"). Say what it is and list the commands.
     */
    private static Optional<Integer> unknownCommand(CommandLine.ParameterException e) {
        CommandLine root = e.getCommandLine();
        if (!(e instanceof CommandLine.UnmatchedArgumentException unmatched) || root.getParent() != null
                || unmatched.getUnmatched().isEmpty() || unmatched.getUnmatched().get(0).startsWith("-")) {
            return Optional.empty();
        }
        root.getErr().println("unknown command '" + unmatched.getUnmatched().get(0) + "'; the commands are "
                + String.join(", ", root.getSubcommands().keySet()) + " (glyphctl help COMMAND says what one does)");
        root.getErr().flush();
        return Optional.of(EXIT_USAGE);
    }

    /**
     * The command line for these arguments. Picocli builds the model of every subcommand when the tree is
     * constructed (~1,000 classes loaded and initialised, the largest share of a short call's start-up), so a
     * call to one of the daemon commands gets a root with only that subcommand, and {@code --version} a root
     * with none: the parse, the output and the exit code are the same, since neither looks at the other
     * commands. Anything else (help, completion, errors at the root, the other commands) gets the full tree.
     */
    public static CommandLine commandLine(String... args) {
        if (args.length == 1 && (args[0].equals("--version") || args[0].equals("-V"))) {
            return new CommandLine(new Root());
        }
        if (args.length > 0) {
            Object sub = switch (args[0]) {
                case "status" -> new StatusCommand();
                case "restart" -> new RestartCommand();
                case "stop" -> new StopCommand();
                case "start" -> new StartCommand();
                default -> null;
            };
            if (sub != null) {
                return new CommandLine(new Root()).addSubcommand(sub);
            }
        }
        return commandLine();
    }

    /** {@link Glyphctl} without its subcommands: the fast path above adds the one it runs. */
    @Command(name = "glyphctl",
            mixinStandardHelpOptions = true,
            versionProvider = Version.class,
            description = "Runs and heals an AI inference server.")
    static final class Root implements Runnable {

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public void run() {
            throw new CommandLine.ParameterException(spec.commandLine(), "a command is required");
        }
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is required");
    }
}
