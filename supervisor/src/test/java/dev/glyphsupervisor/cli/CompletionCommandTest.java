package dev.glyphsupervisor.cli;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CompletionCommandTest {

    @Test
    void theBashScriptKnowsEverySubcommand() {
        CliRun run = new CliRun();
        assertEquals(0, run.execute("completion", "bash"), run.err.toString());
        String script = run.out.toString();
        assertTrue(script.contains("complete -F"), script);
        for (String command : new String[] {"daemon", "check", "events", "probe", "completion"}) {
            assertTrue(script.contains(command), command);
        }
        assertTrue(script.contains("--follow"), "options of subcommands too");
        assertTrue(script.contains("--server"), "events --server");
    }

    @Test
    void anotherShellIsAUsageError() {
        CliRun run = new CliRun();
        assertEquals(2, run.execute("completion", "fish"));
        assertTrue(run.err.toString().contains("bash"), run.err.toString());
    }
}
