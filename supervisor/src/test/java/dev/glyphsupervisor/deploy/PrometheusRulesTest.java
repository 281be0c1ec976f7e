package dev.glyphsupervisor.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * deploy/prometheus: the rule file passes {@code promtool check rules}, its unit tests pass {@code promtool test rules},
 * every alert has a unit test in which it fires and one in which it stays quiet, the example config passes
 * {@code promtool check config}, and docs/metrics.md names the same alerts.
 */
class PrometheusRulesTest {

    private static final Duration T = Duration.ofSeconds(60);
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final Set<String> SEVERITIES = Set.of("critical", "warning", "info");

    @Test
    void promtoolAcceptsTheRules() {
        PrometheusTools.Result check = PrometheusTools.run(PrometheusTools.REPO, T,
                List.of(PrometheusTools.promtool().toString(), "check", "rules", PrometheusTools.RULES.toString()));
        assertEquals(0, check.exit(), check.output());
        assertTrue(check.output().contains("SUCCESS: " + alerts().size() + " rules found"), check.output());
    }

    /** deploy/prometheus/prometheus.yml, the example fleet config, loads the rule file beside it. */
    @Test
    void promtoolAcceptsTheExampleConfig() {
        Path config = PrometheusTools.RULES.resolveSibling("prometheus.yml");
        PrometheusTools.Result check = PrometheusTools.run(PrometheusTools.REPO, T,
                List.of(PrometheusTools.promtool().toString(), "check", "config", config.toString()));
        assertEquals(0, check.exit(), check.output());
        assertTrue(check.output().contains("SUCCESS: 1 rule files found"), check.output());
    }

    @Test
    void theRulesUnitTestsPass() throws IOException {
        List<String> command = new ArrayList<>(List.of(PrometheusTools.promtool().toString(), "test", "rules"));
        List<Path> files = testFiles();
        files.forEach(f -> command.add(f.getFileName().toString()));
        PrometheusTools.Result test = PrometheusTools.run(PrometheusTools.RULE_TESTS, T, command);
        assertEquals(0, test.exit(), test.output());
        assertEquals(files.size(), test.output().lines().filter(l -> l.strip().equals("SUCCESS")).count(), test.output());
    }

    /** Each alert: a for, a known severity, a summary naming the box (and the server, where the series has one). */
    @Test
    void everyAlertSaysHowUrgentAndWhere() {
        for (JsonNode rule : alerts()) {
            String name = rule.path("alert").asText();
            String expr = rule.path("expr").asText();
            String summary = rule.path("annotations").path("summary").asText();
            assertTrue(rule.hasNonNull("for"), name + " has a for:");
            assertTrue(SEVERITIES.contains(rule.path("labels").path("severity").asText()), name + " has a severity");
            assertFalse(rule.path("annotations").path("description").asText().isBlank(), name + " has a description");
            boolean absent = expr.strip().startsWith("absent(");
            boolean perDaemon = expr.contains("up{");
            assertTrue(absent || summary.contains("$labels.instance"), name + "'s summary names the instance: " + summary);
            assertTrue(absent || perDaemon || summary.contains("$labels.server"), name + "'s summary names the server: " + summary);
        }
    }

    @Test
    void everyAlertHasAUnitTestWhereItFiresAndOneWhereItDoesNot() throws IOException {
        TreeMap<String, int[]> cases = new TreeMap<>(); // alert → {firing, quiet}
        alerts().forEach(rule -> cases.put(rule.path("alert").asText(), new int[2]));
        for (Path file : testFiles()) {
            JsonNode doc = YAML.readTree(file.toFile());
            for (JsonNode test : doc.path("tests")) {
                for (JsonNode expect : test.path("alert_rule_test")) {
                    int[] counts = cases.get(expect.path("alertname").asText());
                    assertTrue(counts != null, file.getFileName() + " tests an alert the rules lack: " + expect);
                    counts[expect.path("exp_alerts").isEmpty() ? 1 : 0]++;
                }
            }
        }
        List<String> missing = new ArrayList<>();
        cases.forEach((alert, counts) -> {
            if (counts[0] == 0) {
                missing.add(alert + " never fires");
            }
            if (counts[1] == 0) {
                missing.add(alert + " is never expected quiet");
            }
        });
        assertEquals(List.of(), missing, "in " + PrometheusTools.RULE_TESTS);
    }

    /** docs/metrics.md lists the alerts by name (the expressions live only in the rule file): the same set. */
    @Test
    void docsMetricsNamesEveryAlertAndNoOther() throws IOException {
        String docs = Files.readString(PrometheusTools.REPO.resolve("docs/metrics.md"));
        Set<String> documented = new java.util.TreeSet<>();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("`(GlyphSupervisor\\w+)`").matcher(docs);
        while (m.find()) {
            documented.add(m.group(1));
        }
        Set<String> shipped = new java.util.TreeSet<>();
        alerts().forEach(rule -> shipped.add(rule.path("alert").asText()));
        assertEquals(shipped, documented);
        assertFalse(docs.contains("expr:"), "docs/metrics.md points at the rule file instead of copying rules");
    }

    private static List<JsonNode> alerts() {
        return PrometheusTools.alertRules();
    }

    private static List<Path> testFiles() throws IOException {
        try (Stream<Path> files = Files.list(PrometheusTools.RULE_TESTS)) {
            List<Path> list = files.filter(f -> f.toString().endsWith(".yml")).sorted().toList();
            assertFalse(list.isEmpty(), "unit tests in " + PrometheusTools.RULE_TESTS);
            return list;
        }
    }
}
