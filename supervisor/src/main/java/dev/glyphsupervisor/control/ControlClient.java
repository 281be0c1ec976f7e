package dev.glyphsupervisor.control;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.glyphsupervisor.json.Json;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** glyphctl's end of the control channel: one request, one response, bounded in time. */
public final class ControlClient {

    /** The daemon is not running: no socket file, or nobody listening on it (LSB status 3). */
    public static final class NotRunningException extends Exception {
        private static final long serialVersionUID = 1L;

        NotRunningException(String message) {
            super(message);
        }
    }

    /** The daemon could not be asked: permission, timeout, garbage (LSB status 4). */
    public static final class UnreachableException extends Exception {
        private static final long serialVersionUID = 1L;

        UnreachableException(String message) {
            super(message);
        }
    }

    /** The daemon answered, and refused: {@code "ok":false} with its {@code "error"} (and {@code "kind"}, if any). */
    public static final class RefusedException extends Exception {
        private static final long serialVersionUID = 1L;
        private final transient ControlException.Kind kind;

        RefusedException(String message, ControlException.Kind kind) {
            super(message);
            this.kind = kind;
        }

        /** Why, where the daemon said (a name it does not know, or none where it has several); else null. */
        public ControlException.Kind kind() {
            return kind;
        }
    }

    /** An accepted answer: the typed reply, and the daemon's JSON document as it came (without "v" and "ok"). */
    public static final class Answer<R extends ControlReply> {
        private final R reply;
        private final JsonNode document;

        Answer(R reply, JsonNode document) {
            this.reply = reply;
            this.document = document;
        }

        public R reply() {
            return reply;
        }

        /** The answer's keys after "v" and "ok" as one line of JSON, exactly as the daemon wrote them. */
        public String document() {
            ObjectNode copy = ((ObjectNode) document).deepCopy();
            copy.remove("v");
            copy.remove("ok");
            return copy.toString();
        }
    }

    private final Path socket;

    public ControlClient(Path socket) {
        this.socket = socket;
    }

    public Path socket() {
        return socket;
    }

    /** Asks {@code request} and waits at most {@code timeout} for its answer. */
    public <R extends ControlReply> Answer<R> call(ControlRequest<R> request, Duration timeout)
            throws NotRunningException, UnreachableException, RefusedException {
        JsonNode answer = exchange(request, timeout);
        if (!answer.path("ok").asBoolean(false)) {
            throw new RefusedException(answer.path("error").asText("the daemon refused"),
                    ControlException.Kind.of(answer.path("kind").asText("")));
        }
        try {
            return new Answer<>(ControlJson.reply(request, answer), answer);
        } catch (RuntimeException e) {
            throw new UnreachableException("unreadable answer from " + socket + ": " + e.getMessage());
        }
    }

    private JsonNode exchange(ControlRequest<?> command, Duration timeout)
            throws NotRunningException, UnreachableException {
        if (!Files.exists(socket)) {
            if (Files.notExists(socket)) {
                throw new NotRunningException("no daemon: the control socket " + socket + " does not exist");
            }
            // Neither: a directory on the way cannot be searched by this user, which is not "not running".
            throw new UnreachableException("cannot reach the control socket " + socket
                    + ": permission denied (its directory is closed to this user; run as root or as a member of"
                    + " the daemon's group)");
        }
        Map<String, Object> request = new LinkedHashMap<>();
        request.put("v", ControlProtocol.VERSION);
        request.putAll(ControlJson.write(command));
        SocketChannel channel;
        try {
            channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        } catch (IOException e) {
            throw new UnreachableException("cannot open a Unix socket: " + e.getMessage());
        }
        // A blocking channel has no read timeout: the exchange runs on its own thread and is abandoned
        // (the channel closed under it) when the daemon does not answer in time.
        CompletableFuture<String> exchange = CompletableFuture.supplyAsync(() -> {
            try {
                channel.connect(UnixDomainSocketAddress.of(socket));
                ByteBuffer out = ByteBuffer.wrap((Json.writeString(request) + "\n")
                        .getBytes(StandardCharsets.UTF_8));
                while (out.hasRemaining()) {
                    channel.write(out);
                }
                ByteArrayOutputStream line = new ByteArrayOutputStream();
                ByteBuffer in = ByteBuffer.allocate(8192);
                while (channel.read(in.clear()) >= 0) {
                    for (int i = 0; i < in.position(); i++) {
                        if (in.get(i) == '\n') {
                            return line.toString(StandardCharsets.UTF_8);
                        }
                        line.write(in.get(i));
                    }
                }
                return line.toString(StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        try {
            String line = exchange.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (line.isBlank()) {
                throw new UnreachableException("the daemon closed the connection without an answer");
            }
            return Json.read(line);
        } catch (TimeoutException e) {
            throw new UnreachableException("no answer from " + socket + " within " + timeout.toMillis() + " ms");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() instanceof java.io.UncheckedIOException u ? u.getCause() : e.getCause();
            String message = String.valueOf(cause.getMessage());
            if (cause instanceof java.net.ConnectException || message.contains("Connection refused")) {
                throw new NotRunningException("no daemon listening on " + socket + " (stale socket file)");
            }
            if (message.contains("Permission denied")) {
                throw new UnreachableException("cannot talk to " + socket + ": permission denied (only its owner and"
                        + " group may connect; run as root or as a member of the daemon's group)");
            }
            throw new UnreachableException("cannot talk to " + socket + ": " + message);
        } catch (IOException e) {
            throw new UnreachableException("unreadable answer from " + socket + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UnreachableException("interrupted");
        } finally {
            try {
                channel.close();
            } catch (IOException ignored) {
                // closing after the exchange
            }
        }
    }
}
