/**
 * Everything the supervisor does to the server process: launch it in its own session
 * ({@link dev.glyphsupervisor.runtime.RuntimeLauncher}), find its whole process tree
 * ({@link dev.glyphsupervisor.runtime.ProcessTree}), stop it and confirm that nothing of it is left
 * ({@link dev.glyphsupervisor.runtime.RuntimeStopper}, {@link dev.glyphsupervisor.runtime.PortCheck}),
 * clear its caches ({@link dev.glyphsupervisor.runtime.CacheCleaner}) and bound its log
 * ({@link dev.glyphsupervisor.runtime.RuntimeLog}).
 *
 * <p><b>Linux only.</b> It reads {@code /proc} (process table, start times), signals process groups through
 * libc {@code kill(2)}, and needs util-linux {@code setsid} and {@code /bin/sh}.
 */
package dev.glyphsupervisor.runtime;
