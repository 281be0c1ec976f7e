package dev.glyphsupervisor.reference;

/** A bad command line; the message names the flag and the value. The server exits with status 2. */
final class UsageException extends Exception {

    UsageException(String message) {
        super(message);
    }
}
