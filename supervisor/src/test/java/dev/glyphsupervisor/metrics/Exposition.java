package dev.glyphsupervisor.metrics;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A scrape of {@code /metrics} over real HTTP, parsed from the Prometheus text format (0.0.4) into samples,
 * so that tests assert on what Prometheus would read and not on the library's objects.
 */
record Exposition(String contentType, List<Sample> samples) {

    record Sample(String name, Map<String, String> labels, double value) {
    }

    private static final Pattern LINE = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)})?\\s+(\\S+)(?:\\s+-?\\d+)?");
    private static final Pattern LABEL = Pattern.compile("\\s*([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"\\s*,?");
    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    static Exposition scrape(int port) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                .timeout(Duration.ofSeconds(5)).build();
        HttpResponse<String> response = CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new AssertionError("GET /metrics answered " + response.statusCode() + ": " + response.body());
        }
        return new Exposition(response.headers().firstValue("Content-Type").orElse(""), parse(response.body()));
    }

    static List<Sample> parse(String text) {
        List<Sample> samples = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            Matcher sample = LINE.matcher(line);
            if (!sample.matches()) {
                throw new AssertionError("not a sample line: " + line);
            }
            samples.add(new Sample(sample.group(1), labels(sample.group(2), line), number(sample.group(3))));
        }
        return samples;
    }

    /**
     * The samples of one server, its {@code server} label set aside, so a test of one server's metrics reads as if it
     * were alone; every sample of the scrape must have a {@code server} label (the supervisor has no daemon-wide metric).
     */
    Exposition of(String server) {
        List<Sample> own = new ArrayList<>();
        for (Sample sample : samples) {
            String label = sample.labels().get("server");
            if (label == null) {
                throw new AssertionError("a sample without a server label: " + sample);
            }
            if (label.equals(server)) {
                Map<String, String> rest = new LinkedHashMap<>(sample.labels());
                rest.remove("server");
                own.add(new Sample(sample.name(), rest, sample.value()));
            }
        }
        return new Exposition(contentType, own);
    }

    /** The one sample with this name and exactly these labels ({@code "key", "value", ...}). */
    double value(String name, String... labels) {
        List<Sample> found = find(name, labels);
        if (found.size() != 1) {
            throw new AssertionError("expected one sample " + name + Map.copyOf(pairs(labels)) + ", found " + found);
        }
        return found.get(0).value();
    }

    List<Sample> find(String name, String... labels) {
        Map<String, String> wanted = pairs(labels);
        return samples.stream().filter(s -> s.name().equals(name) && s.labels().equals(wanted)).toList();
    }

    List<Sample> named(String name) {
        return samples.stream().filter(s -> s.name().equals(name)).toList();
    }

    private static Map<String, String> labels(String text, String line) {
        Map<String, String> labels = new LinkedHashMap<>();
        if (text == null) {
            return labels;
        }
        Matcher label = LABEL.matcher(text);
        int end = 0;
        while (label.find() && label.start() == end) {
            labels.put(label.group(1), label.group(2).replace("\\\"", "\"").replace("\\n", "\n").replace("\\\\", "\\"));
            end = label.end();
        }
        if (end != text.length()) {
            throw new AssertionError("bad labels at " + end + " in: " + line);
        }
        return labels;
    }

    private static double number(String text) {
        return switch (text) {
            case "+Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            default -> Double.parseDouble(text);
        };
    }

    private static Map<String, String> pairs(String... labels) {
        Map<String, String> pairs = new LinkedHashMap<>();
        for (int i = 0; i < labels.length; i += 2) {
            pairs.put(labels[i], labels[i + 1]);
        }
        return pairs;
    }
}
