package dev.glyphsupervisor.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/** The PromQL of deploy/grafana/glyph-supervisor.json and of the rule file, and the metric names it selects. */
public final class GrafanaDashboard {

    private GrafanaDashboard() {
    }

    public static JsonNode read() {
        try {
            return new ObjectMapper().readTree(PrometheusTools.DASHBOARD.toFile());
        } catch (IOException e) {
            throw new AssertionError("cannot read " + PrometheusTools.DASHBOARD, e);
        }
    }

    /**
     * Every PromQL expression of the dashboard (panel targets, annotations: any {@code expr}), and the variables'
     * queries, each with where it is (a panel's title, an annotation's or a variable's name).
     */
    public static Map<String, String> expressions() {
        Map<String, String> found = new LinkedHashMap<>();
        JsonNode dashboard = read();
        collect(dashboard.path("panels"), "panel", found);
        collect(dashboard.path("annotations"), "annotation", found);
        for (JsonNode variable : dashboard.path("templating").path("list")) {
            if (variable.path("type").asText().equals("query")) {
                JsonNode query = variable.path("query");
                found.put((query.isTextual() ? query : query.path("query")).asText(), "variable $" + variable.path("name").asText());
            }
        }
        return found;
    }

    private static void collect(JsonNode node, String where, Map<String, String> found) {
        if (node.isObject()) {
            String here = node.has("title") ? "panel '" + node.path("title").asText() + "'"
                    : node.has("name") ? "'" + node.path("name").asText() + "'" : where;
            node.fields().forEachRemaining(field -> {
                if (field.getKey().equals("expr") && field.getValue().isTextual()) {
                    found.put(field.getValue().asText(), here);
                } else {
                    collect(field.getValue(), here, found);
                }
            });
        } else if (node.isArray()) {
            node.forEach(child -> collect(child, where, found));
        }
    }

    /**
     * Every metric name that the dashboard and the rule file select, each with the places that use it
     * ("dashboard panel 'X'", "rule GlyphSupervisorY").
     */
    public static Map<String, Set<String>> metricNames() {
        Map<String, Set<String>> names = new TreeMap<>();
        expressions().forEach((expr, where) -> PromqlNames.of(expr).forEach(
                name -> names.computeIfAbsent(name, n -> new TreeSet<>()).add("dashboard " + where)));
        for (JsonNode rule : PrometheusTools.alertRules()) {
            PromqlNames.of(rule.path("expr").asText()).forEach(
                    name -> names.computeIfAbsent(name, n -> new TreeSet<>()).add("rule " + rule.path("alert").asText()));
        }
        return names;
    }

    /** The dashboard's expressions with Grafana's variables replaced by what Grafana would send, for promtool. */
    public static List<String> expressionsAsPrometheusSeesThem() {
        List<String> out = new ArrayList<>();
        expressions().keySet().forEach(expr -> {
            if (!expr.strip().startsWith("label_values(")) {
                out.add(expr.replace("$__rate_interval", "1m").replace("$__range", "6h").replace("$__interval", "30s")
                        .replace("$instance", ".*").replace("$server", ".*"));
            }
        });
        return out;
    }
}
