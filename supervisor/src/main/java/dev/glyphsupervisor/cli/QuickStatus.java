package dev.glyphsupervisor.cli;

import java.io.BufferedWriter;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.Charset;
import java.nio.file.Path;
import java.util.OptionalInt;

/**
 * {@code glyphctl status} without picocli, for the calls that scripts and monitoring make every few seconds:
 * {@code status}, with {@code --json} and {@code --config FILE} (or {@code -c FILE}) in any order, each at most
 * once. Building picocli's model (even for one command) cost ~70 ms of a ~300 ms call on the 2-core VM, a third
 * of the whole budget. Anything else (another option, {@code --config=FILE}, a value that starts with '-', a
 * typo, --help) goes through picocli; {@code GlyphctlFastPathTest} holds the output and exit codes of
 * the forms taken here to the picocli path's.
 */
final class QuickStatus {

    private QuickStatus() {
    }

    /** The exit code when these arguments are one of the forms taken here, else empty (picocli's job). */
    static OptionalInt run(String[] args, PrintWriter out, PrintWriter err) {
        if (args.length == 0 || !args[0].equals("status")) {
            return OptionalInt.empty();
        }
        boolean json = false;
        String config = null;
        for (int i = 1; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("--json") && !json) {
                json = true;
            } else if ((arg.equals("--config") || arg.equals("-c")) && config == null && i + 1 < args.length
                    && !args[i + 1].startsWith("-")) {
                config = args[++i];
            } else {
                return OptionalInt.empty();
            }
        }
        DaemonAddress address = new DaemonAddress();
        address.configOption = new ConfigOption();
        if (config != null) {
            address.configOption.config = Path.of(config);
        }
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
