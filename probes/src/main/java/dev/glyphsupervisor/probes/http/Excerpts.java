package dev.glyphsupervisor.probes.http;

/** Server-supplied text made safe and short for one status line or audit field. */
public final class Excerpts {

    /** The longest excerpt, quotes included. */
    public static final int EXCERPT_CHARS = 200;

    private Excerpts() {
    }

    /** A one-line quoted excerpt of the text, at most {@value #EXCERPT_CHARS} characters with the quotes. */
    public static String excerpt(String text) {
        int room = EXCERPT_CHARS - 2;
        String clean = sanitize(text.strip());
        if (clean.length() > room) {
            clean = clean.substring(0, room - 3) + "...";
        }
        return "\"" + clean + "\"";
    }

    /**
     * Whitespace runs become one space, double quotes become single ones (the excerpt is quoted), and
     * control and invisible formatting characters (which could fake line breaks or reorder text in a
     * terminal) become '?'. Stops early once far more text than any excerpt needs has been seen.
     */
    public static String sanitize(String s) {
        int cap = 4 * EXCERPT_CHARS;
        StringBuilder out = new StringBuilder(Math.min(s.length(), cap));
        boolean lastSpace = false;
        for (int i = 0; i < s.length() && out.length() < cap; i++) {
            char c = s.charAt(i);
            boolean space = Character.isWhitespace(c);
            if (space) {
                if (!lastSpace) {
                    out.append(' ');
                }
            } else if (c == '"') {
                out.append('\'');
            } else if (Character.isISOControl(c) || Character.getType(c) == Character.FORMAT) {
                out.append('?');
            } else {
                out.append(c);
            }
            lastSpace = space;
        }
        return out.toString();
    }
}
