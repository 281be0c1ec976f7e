package dev.glyphsupervisor.config;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What no one server's keys can say alone, checked once every server is read: each {@code requires} names another
 * server of the config and none is in a cycle; no two servers (nor a server and {@code metrics.listen}) listen on
 * one port; a progress probe knows where to scrape (its url, or the server's runtime.port). Problems go where the rest go, at the key that has to change.
 */
final class StackChecks {

    private final Problems problems;
    private final Map<String, Location> locations;
    private final Optional<MetricsConfig> metrics;

    StackChecks(Problems problems, Map<String, Location> locations, Optional<MetricsConfig> metrics) {
        this.problems = problems;
        this.locations = locations;
        this.metrics = metrics;
    }

    void check(List<ServerConfig> servers) {
        requires(servers);
        ports(servers);
        progressUrls(servers);
    }

    /** A progress probe without url scrapes runtime.port's /metrics: one of the two must be there. */
    private void progressUrls(List<ServerConfig> servers) {
        for (ServerConfig server : servers) {
            server.probes().progress().filter(p -> p.urlFor(server.runtime().port()).isEmpty()).ifPresent(p ->
                    add(server, "probes.progress", "has no url, and there is no runtime.port to scrape"
                            + " http://127.0.0.1:PORT/metrics on; give url: \"http://127.0.0.1:8000/metrics\""));
        }
    }

    /**
     * A key of a server as written: its own, or (in the servers form) the defaults' that it got, named as the
     * defaults' key (reported once however many servers got it).
     */
    private record Where(Location location, String keyPath) {
    }

    private Optional<Where> where(ServerConfig server, String path) {
        Location own = locations.get(server.key(path));
        if (own != null) {
            return Optional.of(new Where(own, server.key(path)));
        }
        if (!server.oneServerForm() && locations.containsKey("defaults." + path)) {
            return Optional.of(new Where(locations.get("defaults." + path), "defaults." + path));
        }
        return Optional.empty();
    }

    // ------------------------------------------------------------------------------------------------------------

    private void requires(List<ServerConfig> servers) {
        List<String> names = servers.stream().map(ServerConfig::name).toList();
        Map<String, List<String>> edges = new LinkedHashMap<>();
        for (ServerConfig server : servers) {
            List<String> valid = new ArrayList<>();
            for (int i = 0; i < server.requires().size(); i++) {
                String required = server.requires().get(i);
                String itemPath = "requires[" + i + "]";
                if (required.equals(server.name())) {
                    add(server, itemPath, "a server cannot require itself");
                } else if (!names.contains(required)) {
                    String suggestion = ClosestKey.to(required, names).map(closest -> "did you mean '" + closest + "'? ")
                            .orElse("");
                    add(server, itemPath, "no server '" + required + "'; " + suggestion + "the servers are "
                            + String.join(", ", names));
                } else if (!valid.contains(required)) {
                    valid.add(required);
                }
            }
            edges.put(server.name(), valid);
        }
        Map<String, ServerConfig> byName = new HashMap<>();
        servers.forEach(server -> byName.put(server.name(), server));
        for (List<String> cycle : cycles(edges, names)) {
            ServerConfig first = byName.get(cycle.get(0));
            int index = first.requires().indexOf(cycle.get(1));
            add(first, "requires[" + index + "]", "a cycle: " + String.join(" → ", cycle)
                    + "; a server starts only after what it requires is healthy, so none of these could ever start");
        }
    }

    /**
     * Every cycle a depth-first walk (in file order) closes, each once, as the path from its member that comes first
     * in the file back to it ({@code a → b → a}).
     */
    private static List<List<String>> cycles(Map<String, List<String>> edges, List<String> order) {
        List<List<String>> found = new ArrayList<>();
        Set<List<String>> seen = new HashSet<>();
        Set<String> done = new HashSet<>();
        for (String start : order) {
            walk(start, edges, order, new ArrayList<>(), done, found, seen);
        }
        return found;
    }

    private static void walk(String node, Map<String, List<String>> edges, List<String> order, List<String> stack,
            Set<String> done, List<List<String>> found, Set<List<String>> seen) {
        if (done.contains(node)) {
            return;
        }
        stack.add(node);
        for (String next : edges.getOrDefault(node, List.of())) {
            int at = stack.indexOf(next);
            if (at >= 0) {
                List<String> members = new ArrayList<>(stack.subList(at, stack.size()));
                int firstInFile = 0;
                for (int i = 1; i < members.size(); i++) {
                    if (order.indexOf(members.get(i)) < order.indexOf(members.get(firstInFile))) {
                        firstInFile = i;
                    }
                }
                List<String> cycle = new ArrayList<>(members.subList(firstInFile, members.size()));
                cycle.addAll(members.subList(0, firstInFile));
                cycle.add(cycle.get(0));
                if (seen.add(cycle)) {
                    found.add(cycle);
                }
            } else {
                walk(next, edges, order, stack, done, found, seen);
            }
        }
        stack.remove(stack.size() - 1);
        done.add(node);
    }

    // ------------------------------------------------------------------------------------------------------------

    /** A port a server takes, and the key that says so. */
    private record Port(ServerConfig server, int number, String path) {
    }

    private void ports(List<ServerConfig> servers) {
        Map<Integer, Port> taken = new HashMap<>();
        Optional<Location> metricsAt = Optional.ofNullable(locations.get("metrics.listen"));
        for (ServerConfig server : servers) {
            for (Port port : ports(server)) {
                Port first = taken.putIfAbsent(port.number(), port);
                if (first != null && first.server() != server) {
                    add(server, port.path(), "port " + port.number() + " is also servers." + first.server().name() + "'s "
                            + first.path() + lineOf(first));
                } else if (metrics.isPresent() && metrics.get().port() == port.number()
                        && (first == null || first == port)) {
                    add(server, port.path(), "port " + port.number() + " is also metrics.listen's port"
                            + metricsAt.map(at -> " (line " + at.line() + ")").orElse(""));
                }
            }
        }
    }

    private String lineOf(Port port) {
        return where(port.server(), port.path()).map(at -> " (line " + at.location().line() + ")").orElse("");
    }

    /** runtime.port, and the HTTP probe's port when it probes this machine on another port. */
    private static List<Port> ports(ServerConfig server) {
        List<Port> ports = new ArrayList<>();
        server.runtime().port().ifPresent(port -> ports.add(new Port(server, port, "runtime.port")));
        server.probes().http().map(HttpProbeConfig::url).filter(StackChecks::loopback).ifPresent(url -> {
            int port = url.getPort() >= 0 ? url.getPort() : url.getScheme().equalsIgnoreCase("https") ? 443 : 80;
            if (server.runtime().port().isEmpty() || server.runtime().port().getAsInt() != port) {
                ports.add(new Port(server, port, "probes.http.url"));
            }
        });
        return ports;
    }

    /** Loopback by name or address, without asking a resolver: localhost, 127.0.0.0/8, ::1. */
    private static boolean loopback(URI url) {
        String host = url.getHost();
        if (host == null) {
            return false;
        }
        if (host.equalsIgnoreCase("localhost")) {
            return true;
        }
        String literal = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        if (!literal.matches("[0-9.]+|[0-9A-Fa-f:]+")) {
            return false;
        }
        try {
            return InetAddress.getByName(literal).isLoopbackAddress(); // a literal address: no lookup
        } catch (UnknownHostException notAnAddress) {
            return false;
        }
    }

    private void add(ServerConfig server, String path, String message) {
        Where at = where(server, path).or(() -> where(server, path.replaceAll("\\[\\d+]$", "")))
                .orElse(new Where(new Location(1, 1), server.key(path)));
        problems.add(at.location(), at.keyPath().startsWith("defaults.") ? at.keyPath() : server.key(path), message);
    }
}
