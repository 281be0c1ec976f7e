package dev.glyphsupervisor.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The shipped Prometheus files under {@code deploy/}, and the Prometheus binaries that test them. The binaries come
 * from Debian's {@code prometheus} package ({@code /usr/bin/promtool}, {@code /usr/bin/prometheus}), which
 * {@code .ci/run} installs; a machine without them fails these tests, saying so, rather than skipping them.
 */
public final class PrometheusTools {

    /** The Debian package that provides both binaries. */
    public static final String DEBIAN_PACKAGE = "prometheus";

    public static final Path REPO = Path.of(System.getProperty("basedir", "."), "..").toAbsolutePath().normalize();
    public static final Path RULES = REPO.resolve("deploy/prometheus/glyph-supervisor.rules.yml");
    public static final Path RULE_TESTS = REPO.resolve("deploy/prometheus/tests");
    public static final Path DASHBOARD = REPO.resolve("deploy/grafana/glyph-supervisor.json");

    private PrometheusTools() {
    }

    /** The alerting rules of {@link #RULES}, as parsed YAML ({@code alert}, {@code expr}, {@code for}, ...). */
    public static List<JsonNode> alertRules() {
        try {
            List<JsonNode> alerts = new ArrayList<>();
            for (JsonNode group : new ObjectMapper(new YAMLFactory()).readTree(RULES.toFile()).path("groups")) {
                for (JsonNode rule : group.path("rules")) {
                    if (rule.has("alert")) {
                        alerts.add(rule);
                    }
                }
            }
            if (alerts.isEmpty()) {
                throw new AssertionError("no alert in " + RULES);
            }
            return alerts;
        } catch (IOException e) {
            throw new AssertionError("cannot read " + RULES, e);
        }
    }

    public static Path promtool() {
        return binary("promtool");
    }

    public static Path prometheus() {
        return binary("prometheus");
    }

    /** /usr/bin/NAME, else NAME on the PATH; a missing binary fails the test with what to install. */
    static Path binary(String name) {
        Path debian = Path.of("/usr/bin", name);
        if (Files.isExecutable(debian)) {
            return debian;
        }
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, name))) {
                return Path.of(dir, name);
            }
        }
        throw new AssertionError(name + " is not installed: these tests run the real Prometheus tools. Install Debian's `"
                + DEBIAN_PACKAGE + "` package (apt-get install -y " + DEBIAN_PACKAGE + "), as .ci/run does.");
    }

    /** One finished command: its exit code and its output and error output together. */
    public record Result(int exit, String output) {
    }

    /** Runs {@code command} in {@code dir} to its end, within {@code timeout}. */
    public static Result run(Path dir, Duration timeout, List<String> command) {
        try {
            Path out = Files.createTempFile("promtool", ".out");
            try {
                Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                        .redirectOutput(out.toFile()).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                        .start();
                if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    p.destroyForcibly().waitFor();
                    throw new AssertionError(String.join(" ", command) + " did not end within " + timeout + ":\n"
                            + Files.readString(out));
                }
                return new Result(p.exitValue(), Files.readString(out));
            } finally {
                Files.deleteIfExists(out);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted running " + command, e);
        }
    }
}
