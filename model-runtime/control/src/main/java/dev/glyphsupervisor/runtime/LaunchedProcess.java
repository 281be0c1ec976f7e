package dev.glyphsupervisor.runtime;

import java.time.Instant;
import java.util.List;

/**
 * A started server: the root of its process tree.
 *
 * @param pid        the server's pid (the {@code setsid} and shell wrappers exec in place, so it is the server)
 * @param pgid       its process group, equal to pid: it leads its own session and group
 * @param startTicks its start time from {@code /proc/<pid>/stat} (field 22), to tell a reused pid apart; -1
 *                   when the process had already exited and been reaped before it could be read
 * @param command    the command as given in the {@link LaunchSpec}, without the wrappers
 * @param marker     the value of {@link ProcessTree#MARKER} in the environment of every process of the tree, which
 *                   finds those that left its session and lost their parent; null for an unmarked tree
 */
public record LaunchedProcess(long pid, long pgid, long startTicks, List<String> command, Instant launchedAt,
                              String marker) {

    public LaunchedProcess {
        command = List.copyOf(command);
    }
}
