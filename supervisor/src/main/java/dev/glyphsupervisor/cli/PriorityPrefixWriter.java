package dev.glyphsupervisor.cli;

import java.io.IOException;
import java.io.Writer;

/**
 * Starts every line written through it with an sd-daemon priority prefix ({@code <3>} for the daemon's fatal
 * start errors), so that journald files a line written straight to stderr, not through {@link Logging}, at its
 * level: otherwise the preflight's {@code file:line:col} messages landed at priority 6 and
 * {@code journalctl -p warning} showed only systemd's "Failed with result 'exit-code'", not why.
 */
final class PriorityPrefixWriter extends Writer {

    private final Writer out;
    private final String prefix;
    private boolean atLineStart = true;

    PriorityPrefixWriter(Writer out, String prefix) {
        this.out = out;
        this.prefix = prefix;
    }

    @Override
    public void write(char[] buffer, int offset, int length) throws IOException {
        int end = offset + length;
        for (int i = offset; i < end; i++) {
            if (atLineStart) {
                out.write(prefix);
                atLineStart = false;
            }
            char c = buffer[i];
            out.write(c);
            atLineStart = c == '\n';
        }
    }

    @Override
    public void flush() throws IOException {
        out.flush();
    }

    @Override
    public void close() throws IOException {
        out.close();
    }
}
