package dev.glyphsupervisor.control;

/**
 * The control channel's wire format: one request per connection, one line of JSON each way.
 * A request is {@code {"v":1,"cmd":"status"|"restart"|"stop"|"start", ...}}; a response carries
 * {@code "v"}, {@code "ok"} and either the command's values or {@code "error"}.
 */
final class ControlProtocol {

    public static final int VERSION = 1;
    /** A request is a few hundred bytes; anything near this is not one of ours. */
    public static final int MAX_REQUEST_BYTES = 64 * 1024;

    private ControlProtocol() {
    }
}
