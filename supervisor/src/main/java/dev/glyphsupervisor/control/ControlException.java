package dev.glyphsupervisor.control;

/**
 * A request the daemon refuses for a reason the caller can act on, told on the wire as {@code "kind"} beside the
 * error, so that glyphctl can answer with the right exit code (a name that is not a server is a usage error).
 */
public final class ControlException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    /** What was wrong, as the wire's {@code kind} names it. */
    public enum Kind {
        /** The request named no server and the daemon has several. */
        NAME_NEEDED("name_needed"),
        /** The request named a server the daemon does not have. */
        UNKNOWN_SERVER("unknown_server");

        private final String wire;

        Kind(String wire) {
            this.wire = wire;
        }

        public String wire() {
            return wire;
        }

        static Kind of(String wire) {
            for (Kind k : values()) {
                if (k.wire.equals(wire)) {
                    return k;
                }
            }
            return null;
        }
    }

    private final transient Kind kind;

    public ControlException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
