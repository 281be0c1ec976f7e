package dev.glyphsupervisor.reference;

/** A request the server refuses; it becomes {@code {"error":{"message":…,"type":…}}} with {@code status}. */
final class ApiException extends RuntimeException {

    private final int status;
    private final String type;

    ApiException(int status, String type, String message) {
        super(message, null, false, false);
        this.status = status;
        this.type = type;
    }

    static ApiException invalid(String message) {
        return new ApiException(400, "invalid_request_error", message);
    }

    int status() {
        return status;
    }

    String type() {
        return type;
    }
}
