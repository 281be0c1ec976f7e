package dev.glyphsupervisor.config;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The opt-in Prometheus endpoint, {@code metrics.listen: "127.0.0.1:9464"}; absent from the config means
 * no listener at all.
 *
 * @param host the name or address to bind (an IPv6 address without its brackets)
 * @param port 1..65535; 0 is refused because Prometheus must be told the port in advance
 */
public record MetricsConfig(String host, int port) {

    private static final Pattern HOST_NAME = Pattern.compile("[A-Za-z0-9._-]+");
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]+(%[A-Za-z0-9._-]+)?");
    private static final Pattern PORT = Pattern.compile("\\d{1,5}");

    public MetricsConfig {
        Objects.requireNonNull(host, "host");
    }

    /** Reads {@code host:port} or {@code [ipv6]:port}; the message says what is wrong with {@code text}. */
    public static MetricsConfig parseListen(String text) {
        String example = "write it as host:port, e.g. 127.0.0.1:9464";
        if (text.contains("://") || text.contains("/")) {
            throw new IllegalArgumentException("'" + text + "' is not host:port; " + example
                    + " (the path is always /metrics)");
        }
        int colon = text.lastIndexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException("'" + text + "' has no port; " + example);
        }
        String host = text.substring(0, colon);
        String port = text.substring(colon + 1);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
            if (!IPV6.matcher(host).matches()) {
                throw new IllegalArgumentException("'" + text + "': '" + host + "' is not an IPv6 address");
            }
        } else if (host.contains(":")) {
            throw new IllegalArgumentException("'" + text + "': an IPv6 address needs brackets, e.g. [::1]:9464");
        } else if (host.isEmpty()) {
            throw new IllegalArgumentException("'" + text + "' has no host; write 127.0.0.1" + text
                    + " for this machine only, or 0.0.0.0" + text + " for every interface");
        } else if (!HOST_NAME.matcher(host).matches()) {
            throw new IllegalArgumentException("'" + text + "': '" + host + "' is not a host name or address");
        }
        int number = PORT.matcher(port).matches() ? Integer.parseInt(port) : -1;
        if (number < 1 || number > 65535) {
            throw new IllegalArgumentException("'" + text + "': the port must be 1..65535, got '" + port + "'");
        }
        return new MetricsConfig(host, number);
    }
}
