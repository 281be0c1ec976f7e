package dev.glyphsupervisor.reference;

import java.util.ArrayList;
import java.util.List;

/**
 * A command line's flags in order, each with its value: "--port 8000" and "--port=8000" alike, and a null value when
 * none follows. {@code --help} and {@code -h} are flags named {@code --help}; anything else that does not start with
 * "--" is refused. The servers' option classes switch over the names, each its own.
 */
final class Flags {

    static final String HELP = "--help";

    record Flag(String name, String value) {
    }

    private Flags() {
    }

    static List<Flag> of(String[] args) throws UsageException {
        List<Flag> flags = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals(HELP) || arg.equals("-h")) {
                flags.add(new Flag(HELP, null));
                continue;
            }
            if (!arg.startsWith("--")) {
                throw new UsageException("unexpected argument '" + arg + "' (flags start with --)");
            }
            int eq = arg.indexOf('=');
            if (eq > 0) {
                flags.add(new Flag(arg.substring(0, eq), arg.substring(eq + 1)));
            } else if (i + 1 < args.length && !args[i + 1].startsWith("--")) {
                flags.add(new Flag(arg, args[++i]));
            } else {
                flags.add(new Flag(arg, null));
            }
        }
        return flags;
    }
}
