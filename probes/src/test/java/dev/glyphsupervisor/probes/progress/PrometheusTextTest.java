package dev.glyphsupervisor.probes.progress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.core.metrics.Summary;
import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import io.prometheus.metrics.expositionformats.OpenMetricsTextFormatWriter;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class PrometheusTextTest {

    // ---- valid inputs: text, series name, expected sum, expected series count ----

    static Stream<Arguments> valid() {
        return Stream.of(
                Arguments.of("minimal line", "up 1\n", "up", 1.0, 1),
                Arguments.of("no final newline", "up 1", "up", 1.0, 1),
                Arguments.of("colons in the name", "vllm:num_requests_running{model_name=\"m\"} 3.0\n",
                        "vllm:num_requests_running", 3.0, 1),
                Arguments.of("sum over label sets", "x{a=\"1\"} 1\nx{a=\"2\"} 2.5\nx{a=\"3\",b=\"z\"} 3\nxy 100\n", "x", 6.5, 4),
                Arguments.of("empty label set", "x{} 4\n", "x", 4.0, 1),
                Arguments.of("trailing comma in labels", "x{a=\"1\",} 4\n", "x", 4.0, 1),
                Arguments.of("blanks around labels", "x { a = \"1\" , b=\"2\" } 4\n", "x", 4.0, 1),
                Arguments.of("tabs between tokens", "x\t4\t1700000000000\n", "x", 4.0, 1),
                Arguments.of("escapes in label values",
                        "msdos_file_access_time_seconds{path=\"C:\\\\DIR\\\\FILE.TXT\",error=\"Cannot find file:\\n\\\"FILE.TXT\\\"\"} 1.458255915e9\n",
                        "msdos_file_access_time_seconds", 1.458255915e9, 1),
                Arguments.of("braces, hash and spaces inside a label value", "x{a=\"} # {b=\\\"c\\\"} 9\"} 2\n", "x", 2.0, 1),
                Arguments.of("UTF-8 label value", "x{model=\"通义千问\"} 2\n", "x", 2.0, 1),
                Arguments.of("+Inf", "x +Inf\n", "x", Double.POSITIVE_INFINITY, 1),
                Arguments.of("-Inf", "x -Inf\n", "x", Double.NEGATIVE_INFINITY, 1),
                Arguments.of("NaN", "x NaN\n", "x", Double.NaN, 1),
                Arguments.of("exponent", "x 1.5e-3\n", "x", 1.5e-3, 1),
                Arguments.of("capital exponent with sign", "x 2E+10\n", "x", 2e10, 1),
                Arguments.of("negative with timestamp", "something_weird{problem=\"division by zero\"} -3982045 -3982045\n",
                        "something_weird", -3982045.0, 1),
                Arguments.of("leading point and trailing point", "x .5\nx 2.\n", "x", 2.5, 2),
                Arguments.of("many digits", "x 0.1000000000000000055511151231257827\n", "x", 0.1, 1),
                Arguments.of("big integer", "x 12345678901234567890\n", "x", 12345678901234567890.0, 1),
                Arguments.of("HELP, TYPE, other comments and blank lines",
                        "# HELP x The x.\n# TYPE x counter\n\n   \n# just a comment\n#\n# HELP y escaped \\\\ and \\n\nx 1\n",
                        "x", 1.0, 1),
                Arguments.of("HELP without text", "# HELP x\nx 1\n", "x", 1.0, 1),
                Arguments.of("histogram", "# TYPE h histogram\nh_bucket{le=\"0.1\"} 1\nh_bucket{le=\"+Inf\"} 3\nh_sum 0.7\nh_count 3\n",
                        "h_count", 3.0, 4),
                Arguments.of("summary", "# TYPE s summary\ns{quantile=\"0.5\"} 0.2\ns{quantile=\"0.99\"} 0.9\ns_sum 12\ns_count 40\n",
                        "s_count", 40.0, 4),
                Arguments.of("_created series", "# TYPE c counter\nc_total 5\nc_created 1.7e9\n", "c_created", 1.7e9, 2),
                Arguments.of("OpenMetrics exemplar", "c_total{a=\"1\"} 5 # {trace_id=\"x\"} 1.0 123\n", "c_total", 5.0, 1),
                Arguments.of("OpenMetrics exemplar without timestamp, sample with one",
                        "c_total 5 1700000000.5 # {trace_id=\"x\",span_id=\"y\"} 1.0\n", "c_total", 5.0, 1),
                Arguments.of("OpenMetrics UNIT, unknown type and # EOF",
                        "# TYPE t_seconds unknown\n# UNIT t_seconds seconds\nt_seconds 2\n# EOF\n", "t_seconds", 2.0, 1),
                Arguments.of("# EOF without newline", "x 1\n# EOF", "x", 1.0, 1),
                Arguments.of("name absent", "x 1\n", "nothing", null, 1));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("valid")
    void parsesValidText(String what, String text, String name, Double sum, int series) throws Exception {
        PrometheusText.Samples all = PrometheusText.parse(text);
        PrometheusText.Samples wanted = PrometheusText.parse(text, Set.of(name, "other"));
        for (PrometheusText.Samples samples : new PrometheusText.Samples[] {all, wanted}) {
            OptionalDouble got = samples.sum(name);
            if (sum == null) {
                assertTrue(got.isEmpty(), what + ": " + got);
            } else {
                assertTrue(got.isPresent(), what);
                if (Double.isFinite(sum)) {
                    assertEquals(sum, got.getAsDouble(), Math.abs(sum) * 1e-15, what);
                } else {
                    assertEquals(sum, got.getAsDouble(), what);
                }
            }
            assertEquals(series, samples.seriesCount(), what);
        }
    }

    // ---- invalid inputs: text, line number, a fragment of the message ----

    static Stream<Arguments> invalid() {
        return Stream.of(
                Arguments.of("no value", "ok 1\nx\n", 2, "without a value"),
                Arguments.of("value not a number", "x abc\n", 1, "invalid value \"abc\""),
                Arguments.of("Java-only float suffix", "x 1.0d\n", 1, "invalid value"),
                Arguments.of("hex float", "x 0x1p3\n", 1, "invalid value"),
                Arguments.of("Infinity spelled by Java", "x Infinite\n", 1, "invalid value"),
                Arguments.of("bare sign", "x -\n", 1, "invalid value"),
                Arguments.of("exponent without digits", "x 1e\n", 1, "invalid value"),
                Arguments.of("two points", "x 1.2.3\n", 1, "invalid value"),
                Arguments.of("bad name start", "1x 1\n", 1, "expected a metric name"),
                Arguments.of("bad character in name", "ok 1\n\nx-y 1\n", 3, "invalid character '-' in the metric name"),
                Arguments.of("unterminated labels", "x{a=\"1\" 1\n", 1, "expected ',' or '}'"),
                Arguments.of("no closing brace", "x{a=\"1\",\n", 1, "unterminated labels"),
                Arguments.of("unterminated label value", "x{a=\"1} 1\n", 1, "unterminated label value"),
                Arguments.of("unquoted label value", "x{a=1} 1\n", 1, "expected '\"' to open the value of label a"),
                Arguments.of("label without =", "x{a} 1\n", 1, "expected '='"),
                Arguments.of("bad label name", "x{1a=\"b\"} 1\n", 1, "expected a label name"),
                Arguments.of("colon in a label name", "x{a:b=\"c\"} 1\n", 1, "expected '='"),
                Arguments.of("bad escape in a label value", "ok 1\nx{a=\"\\t\"} 1\n", 2, "invalid escape \\t"),
                Arguments.of("duplicate label", "x{a=\"1\",a=\"2\"} 1\n", 1, "label a appears twice"),
                Arguments.of("double comma", "x{a=\"1\",,b=\"2\"} 1\n", 1, "expected a label name"),
                Arguments.of("text after the timestamp", "x 1 2 3\n", 1, "unexpected text after the timestamp"),
                Arguments.of("timestamp not a number", "x 1 later\n", 1, "invalid timestamp"),
                Arguments.of("timestamp Inf", "x 1 +Inf\n", 1, "invalid timestamp"),
                Arguments.of("unknown TYPE", "# TYPE x countr\nx 1\n", 1, "unknown metric type \"countr\""),
                Arguments.of("TYPE without a type", "# TYPE x\n", 1, "# TYPE without a type"),
                Arguments.of("TYPE with extra text", "# TYPE x counter extra\n", 1, "unexpected text"),
                Arguments.of("TYPE with bad name", "# TYPE 9x counter\n", 1, "expected a metric name in # TYPE"),
                Arguments.of("HELP without a name", "# HELP\n", 1, "# HELP without a metric name"),
                Arguments.of("HELP with bad escape", "# HELP x bad \\q escape\n", 1, "invalid escape \\q in # HELP"),
                Arguments.of("exemplar without labels", "c_total 1 # 1.0\n", 1, "expected an exemplar"),
                Arguments.of("exemplar without value", "c_total 1 # {a=\"b\"}\n", 1, "exemplar without a value"),
                Arguments.of("exemplar with junk after", "c_total 1 # {a=\"b\"} 1 2 3\n", 1, "unexpected text"),
                Arguments.of("hash glued to the value", "x 1#\n", 1, "invalid value"),
                Arguments.of("text after # EOF", "x 1\n# EOF\nx 2\n", 3, "text after # EOF"),
                Arguments.of("blank line after # EOF", "x 1\n# EOF\n\n", 3, "text after # EOF"),
                Arguments.of("CRLF line ends", "x 1\r\n", 1, "carriage return"),
                Arguments.of("HTML error page", "<html><body>Not Found</body></html>\n", 1, "expected a metric name"),
                Arguments.of("JSON", "{\"metrics\": []}\n", 1, "expected a metric name"),
                Arguments.of("error deep in a big text", VllmExposition.text(2, 0) + "vllm:broken{a=\"b\" 1\n",
                        VllmExposition.text(2, 0).split("\n").length + 1, "expected ',' or '}'"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalid")
    void rejectsInvalidTextNamingTheLine(String what, String text, int line, String fragment) {
        for (Set<String> wanted : java.util.Arrays.<Set<String>>asList(null, Set.of("x"), Set.of("unrelated"))) {
            PrometheusText.MalformedException e = assertThrows(PrometheusText.MalformedException.class,
                    () -> {
                        if (wanted == null) {
                            PrometheusText.parse(text);
                        } else {
                            PrometheusText.parse(text, wanted);
                        }
                    }, what);
            assertEquals(line, e.line(), what + ": " + e.getMessage());
            assertTrue(e.getMessage().startsWith("line " + line + ": "), e.getMessage());
            assertTrue(e.getMessage().contains(fragment), what + ": " + e.getMessage());
            assertTrue(e.getMessage().indexOf('\n') < 0, "one line: " + e.getMessage());
        }
    }

    @Test
    void sumOfANameNotAskedForIsAnError() throws Exception {
        PrometheusText.Samples samples = PrometheusText.parse("x 1\ny 2\n", Set.of("x"));
        assertEquals(1.0, samples.sum("x").getAsDouble());
        assertEquals(2, samples.seriesCount());
        assertThrows(IllegalArgumentException.class, () -> samples.sum("y"));
    }

    @Test
    void emptyTextHasNoSeries() throws Exception {
        assertEquals(0, PrometheusText.parse("").seriesCount());
        assertEquals(0, PrometheusText.parse("\n\n# only comments\n").seriesCount());
    }

    @Test
    void vllmShapedExpositionOfOver400Series() throws Exception {
        String text = VllmExposition.text(2, 7);
        PrometheusText.Samples all = PrometheusText.parse(text);
        assertTrue(all.seriesCount() >= 400, "series: " + all.seriesCount());
        assertEquals(VllmExposition.expectedPending(2),
                all.sum("vllm:num_requests_running").getAsDouble() + all.sum("vllm:num_requests_waiting").getAsDouble());
        assertEquals(VllmExposition.expectedProgress(2, 7), all.sum("vllm:iteration_tokens_total_count").getAsDouble());
        assertTrue(all.sum("vllm:iteration_tokens_total").isEmpty(), "the family name has no series of its own");
        assertTrue(all.sum("vllm:generation_tokens_total").isPresent());
        assertTrue(all.sum("vllm:generation_tokens_created").isPresent());

        PrometheusText.Samples wanted = PrometheusText.parse(text, Engine.VLLM.metrics().names());
        assertEquals(all.seriesCount(), wanted.seriesCount());
        assertEquals(all.sum("vllm:iteration_tokens_total_count"), wanted.sum("vllm:iteration_tokens_total_count"));
        assertEquals(all.sum("vllm:num_requests_waiting"), wanted.sum("vllm:num_requests_waiting"));
    }

    @Test
    void openMetricsWithExemplarsAndEof() throws Exception {
        String text = """
                # TYPE vllm:iteration_tokens_total histogram
                # HELP vllm:iteration_tokens_total Histogram of number of tokens per engine_step.
                vllm:iteration_tokens_total_bucket{engine="0",le="1.0",model_name="m"} 3.0 # {trace_id="KOO5S4vxi0o"} 0.67
                vllm:iteration_tokens_total_bucket{engine="0",le="+Inf",model_name="m"} 17.0 # {trace_id="oHg5SJYRHA0"} 9.8 1520879607.789
                vllm:iteration_tokens_total_count{engine="0",model_name="m"} 17.0
                vllm:iteration_tokens_total_sum{engine="0",model_name="m"} 324.0
                vllm:iteration_tokens_total_created{engine="0",model_name="m"} 1.7649876543e+09
                # TYPE vllm:num_requests_running gauge
                vllm:num_requests_running{engine="0",model_name="m"} 2.0
                # TYPE vllm:num_requests_waiting gauge
                vllm:num_requests_waiting{engine="0",model_name="m"} 0.0
                # TYPE acme_http_router_request_seconds summary
                # UNIT acme_http_router_request_seconds seconds
                acme_http_router_request_seconds_sum{path="/api/v1",method="GET"} 9036.32
                acme_http_router_request_seconds_count{path="/api/v1",method="GET"} 807283.0
                acme_http_router_request_seconds_created{path="/api/v1",method="GET"} 1605281325.0
                # TYPE cv stateset
                cv{cv="a"} 1
                cv{cv="b"} 0
                # TYPE build info
                build_info{version="1.2.3"} 1
                # EOF
                """;
        PrometheusText.Samples samples = PrometheusText.parse(text, Engine.VLLM.metrics().names());
        assertEquals(17.0, samples.sum("vllm:iteration_tokens_total_count").getAsDouble());
        assertEquals(2.0, samples.sum("vllm:num_requests_running").getAsDouble());
        assertEquals(13, samples.seriesCount());
    }

    @Test
    void readsWhatThePrometheusJavaClientWrites() throws Exception {
        PrometheusRegistry registry = new PrometheusRegistry();
        Counter counter = Counter.builder().name("reference_engine_steps").help("Engine steps \"taken\"\\ so far\n")
                .labelNames("model", "path").register(registry);
        counter.labelValues("mini\"lm", "C:\\models\nx").inc(3);
        counter.labelValues("other", "/").inc(4);
        Gauge gauge = Gauge.builder().name("reference_requests_running").help("Requests running").register(registry);
        gauge.set(2);
        Histogram histogram = Histogram.builder().name("reference_step_seconds").help("Step time")
                .classicUpperBounds(0.01, 0.1, 1).labelNames("engine").register(registry);
        histogram.labelValues("0").observe(0.05);
        histogram.labelValues("0").observe(5);
        histogram.labelValues("1").observe(0.001);
        Summary summary = Summary.builder().name("reference_latency_seconds").help("Latency")
                .quantile(0.5, 0.01).quantile(0.99, 0.001).register(registry);
        summary.observe(0.25);

        for (ExpositionFormatWriter writer : new ExpositionFormatWriter[] {
                PrometheusTextFormatWriter.create(),
                PrometheusTextFormatWriter.builder().setIncludeCreatedTimestamps(true).build(),
                OpenMetricsTextFormatWriter.create(),
                OpenMetricsTextFormatWriter.builder().setCreatedTimestampsEnabled(true).build()}) {
            String text = write(writer, registry);
            PrometheusText.Samples samples = PrometheusText.parse(text);
            String which = writer.getClass().getSimpleName() + ":\n" + text;
            assertEquals(7.0, samples.sum("reference_engine_steps_total").getAsDouble(), which);
            assertEquals(2.0, samples.sum("reference_requests_running").getAsDouble(), which);
            assertEquals(3.0, samples.sum("reference_step_seconds_count").getAsDouble(), which);
            assertEquals(2, samples.seriesOf("reference_step_seconds_count"), which);
            assertEquals(1.0, samples.sum("reference_latency_seconds_count").getAsDouble(), which);
            assertTrue(samples.sum("reference_step_seconds_bucket").isPresent(), which);
        }
    }

    private static String write(ExpositionFormatWriter writer, PrometheusRegistry registry) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        writer.write(out, registry.scrape());
        return out.toString(StandardCharsets.UTF_8);
    }
}
