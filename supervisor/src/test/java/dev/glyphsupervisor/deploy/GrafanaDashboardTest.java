package dev.glyphsupervisor.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * deploy/grafana/glyph-supervisor.json: its variables, and every expression is PromQL that Prometheus accepts
 * (promtool checks them as recording rules, Grafana's variables replaced). That each metric it names is exported
 * is {@code e2e.DashboardMetricNamesTest}'s job.
 */
class GrafanaDashboardTest {

    @TempDir
    Path dir;

    @Test
    void itHasBoxAndServerVariablesThatFilterEveryBoxAndServerPanel() {
        JsonNode dashboard = GrafanaDashboard.read();
        List<String> variables = new ArrayList<>();
        dashboard.path("templating").path("list").forEach(v -> variables.add(v.path("name").asText()));
        assertEquals(List.of("datasource", "instance", "server"), variables);
        assertEquals("glyph-supervisor", dashboard.path("uid").asText());
        List<String> unfiltered = new ArrayList<>();
        String row = "";
        for (JsonNode panel : dashboard.path("panels")) {
            if (panel.path("type").asText().equals("row")) {
                row = panel.path("title").asText();
                continue;
            }
            for (JsonNode target : panel.path("targets")) {
                String expr = target.path("expr").asText();
                boolean ok = row.startsWith("Fleet") || (expr.contains("instance=~\"$instance\"")
                        && (row.startsWith("Box") || expr.contains("server=~\"$server\"")));
                if (!ok) {
                    unfiltered.add(row + " / " + panel.path("title").asText() + ": " + expr);
                }
            }
        }
        assertEquals(List.of(), unfiltered, "box panels filter by $instance, server panels by $instance and $server");
    }

    @Test
    void promtoolAcceptsEveryExpression() throws IOException {
        List<String> exprs = GrafanaDashboard.expressionsAsPrometheusSeesThem();
        assertTrue(exprs.size() >= 20, "the dashboard's expressions: " + exprs);
        StringBuilder rules = new StringBuilder("groups:\n  - name: dashboard\n    rules:\n");
        for (int i = 0; i < exprs.size(); i++) {
            rules.append("      - record: dashboard:expr_").append(i).append("\n        expr: ")
                    .append(com.fasterxml.jackson.databind.node.TextNode.valueOf(exprs.get(i))).append('\n');
        }
        Path file = Files.writeString(dir.resolve("dashboard-expressions.rules.yml"), rules.toString());
        PrometheusTools.Result check = PrometheusTools.run(dir, Duration.ofSeconds(60),
                List.of(PrometheusTools.promtool().toString(), "check", "rules", file.toString()));
        assertEquals(0, check.exit(), check.output() + "\n" + rules);
    }

    @Test
    void theNamesFoundAreMetricNames() {
        Map<String, ?> names = GrafanaDashboard.metricNames();
        assertTrue(names.keySet().stream().allMatch(n -> n.startsWith("glyph_supervisor_") || n.equals("up") || n.equals("ALERTS")),
                names.keySet().toString());
        assertTrue(names.size() >= 15, names.keySet().toString());
    }
}
