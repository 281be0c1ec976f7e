package dev.glyphsupervisor.cli;

import picocli.AutoComplete;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

/** {@code glyphctl completion bash}: a completion script generated from the same model as the parser. */
@Command(name = "completion", mixinStandardHelpOptions = true,
        description = "Print a shell completion script: source <(glyphctl completion bash)")
public final class CompletionCommand implements Callable<Integer> {

    /** Only bash: picocli's script also works in zsh after bashcompinit. */
    enum Shell { bash }

    @Parameters(paramLabel = "SHELL", description = "The shell: ${COMPLETION-CANDIDATES}.")
    Shell shell;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().getOut().print(AutoComplete.bash(spec.root().name(), spec.root().commandLine()));
        spec.commandLine().getOut().flush();
        return 0;
    }
}
