package dev.glyphsupervisor.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

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
        System.exit(commandLine().execute(args));
    }

    public static CommandLine commandLine() {
        return new CommandLine(new Glyphctl());
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is required");
    }
}
