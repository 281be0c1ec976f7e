package dev.glyphsupervisor.deploy;

import org.junit.jupiter.api.Test;

import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

class PromqlNamesTest {

    @Test
    void findsTheSelectedMetricsAndNothingElse() {
        assertEquals(Set.of("glyph_supervisor_state", "glyph_supervisor_restarts_total"), PromqlNames.of(
                "max without (state) (glyph_supervisor_state{state=\"FAILED\"}) == 1\n or\n"
                        + "sum without (reason) (increase(glyph_supervisor_restarts_total{reason!~\"operator|maintenance\"}[15m])) > 3"));
        assertEquals(Set.of("glyph_supervisor_probe_duration_seconds_bucket"), PromqlNames.of(
                "histogram_quantile(0.99, sum by (le, instance, server, probe) (rate("
                        + "glyph_supervisor_probe_duration_seconds_bucket{instance=~\"$instance\",server=~\"${server}\"}[$__rate_interval])))"));
        assertEquals(Set.of("up"), PromqlNames.of("absent(up{job=\"glyph-supervisor\"})"));
        assertEquals(Set.of("a", "b"), PromqlNames.of("a / on (instance) group_left(server) b * 1e9 offset 5m"));
        assertEquals(Set.of("glyph_supervisor_state"), PromqlNames.of("label_values(glyph_supervisor_state{instance=~\"$instance\"}, server)"));
        assertEquals(Set.of("ALERTS"), PromqlNames.of("ALERTS{alertstate=\"firing\",alertname=~\"Glyph{x}.*\"}"));
        assertEquals(Set.of("x"), PromqlNames.of("sum(x) by (instance) or vector(0) + time()"));
    }
}
