package dev.glyphsupervisor.cli;

import java.io.BufferedWriter;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.Charset;
import java.util.OptionalInt;

/**
 * {@code glyphctl status} and {@code glyphctl status --json} without picocli. They are the calls that scripts and
 * monitoring make every few seconds, and building picocli's model (even for one command) cost ~70 ms of a
 * ~300 ms call on the 2-core VM, a third of the whole budget. Any other argument (an option, a typo, --help) goes
 * through picocli as before, so only these two exact forms are taken here; {@code GlyphctlFastPathTest} holds
 * their output and exit codes to the picocli path's.
 */
final class QuickStatus {

    private QuickStatus() {
    }

    /** The exit code when these arguments are one of the two forms, else empty (picocli's job). */
    static OptionalInt run(String[] args, PrintWriter out, PrintWriter err) {
        boolean plain = args.length == 1 && args[0].equals("status");
        boolean json = args.length == 2 && args[0].equals("status") && args[1].equals("--json");
        if (!plain && !json) {
            return OptionalInt.empty();
        }
        DaemonAddress address = new DaemonAddress();
        address.configOption = new ConfigOption();
        return OptionalInt.of(StatusCommand.status(address, json, new DurationConverter().convert(StatusCommand.DEFAULT_TIMEOUT),
                out, err));
    }

    /** A writer like the ones picocli makes for System.out and System.err: the same charset rule, autoflush. */
    static PrintWriter writer(OutputStream stream, String encodingProperty) {
        String encoding = System.getProperty(encodingProperty);
        Charset charset = encoding != null && Charset.isSupported(encoding) ? Charset.forName(encoding) : Charset.defaultCharset();
        return new PrintWriter(new BufferedWriter(new OutputStreamWriter(stream, charset)), true);
    }
}
