package dev.glyphsupervisor.probes.progress;

import dev.glyphsupervisor.probes.http.Excerpts;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalDouble;
import java.util.Set;

/**
 * A strict parser of the Prometheus text exposition format 0.0.4, which also reads the OpenMetrics 1.0
 * text a server may answer with ({@code # EOF}, {@code # UNIT}, exemplars, float timestamps), and sums
 * the values of every series of a name over all its label sets.
 *
 * <p>Why our own: no maintained Java library on Maven Central parses the text format. Checked on
 * 2026-12-06: the Prometheus Java client 1.x ({@code io.prometheus:prometheus-metrics-exposition-textformats},
 * {@code -exposition-formats}, {@code -model}) only writes it (its {@code PrometheusTextFormatWriter} /
 * {@code OpenMetricsTextFormatWriter} have no reader); the 0.x {@code simpleclient_common}
 * {@code TextFormat} is likewise a writer and unmaintained; Micrometer's and OpenTelemetry's Prometheus
 * artifacts export only. The parsers that exist are in other languages (Go {@code expfmt}/{@code textparse},
 * Python {@code prometheus_client.parser}, Rust {@code openmetrics-parser}, npm {@code parse-prometheus-text-format}).
 *
 * <p>Strict: every line is a blank line, a comment ({@code # HELP name text}, {@code # TYPE name type},
 * {@code # UNIT name unit}, {@code # EOF}, or any other {@code #} line), or a sample
 * {@code name[{label="value",...}] value [timestamp] [# {labels} value [timestamp]]}; anything else is a
 * {@link MalformedException} naming the line and what is wrong. Nothing after {@code # EOF}. Lines end
 * with {@code \n} alone. Checks the syntax, not the semantics (a histogram's buckets, TYPE order).
 *
 * <p>Cheap: we scrape every second. One pass over the text, no regular expressions, no split; with a
 * set of wanted names ({@link #parse(String, Set)}), a line whose name is not wanted is only checked,
 * and no object is made for it. A value is computed exactly by a fast path for up to 15 significant
 * digits and exponents within 10^±22 (the usual exposition values), else by {@link Double#parseDouble}.
 */
public final class PrometheusText {

    private static final double[] POW10 = {
            1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
            1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
    private static final String[] TYPES = {
            "counter", "gauge", "histogram", "summary", "untyped",
            // OpenMetrics 1.0
            "unknown", "gaugehistogram", "stateset", "info"};
    private static final int LINE_EXCERPT_CHARS = 120;

    private PrometheusText() {
    }

    /** A text that is not the exposition format; the message names the line and what is wrong. */
    public static final class MalformedException extends Exception {

        private static final long serialVersionUID = 1L;
        private final int line;

        MalformedException(int line, String message) {
            super("line " + line + ": " + message);
            this.line = line;
        }

        /** The 1-based line number of the first problem. */
        public int line() {
            return line;
        }
    }

    /** The sums of one parse, by series name (the name as exposed, e.g. {@code x_count}, {@code x_total}). */
    public static final class Samples {

        private final Map<String, double[]> sums;
        private final boolean all;
        private final int seriesCount;

        private Samples(Map<String, double[]> sums, boolean all, int seriesCount) {
            this.sums = sums;
            this.all = all;
            this.seriesCount = seriesCount;
        }

        /**
         * The sum of the values of every series with exactly this name, all label sets; empty when no
         * series has the name.
         *
         * @throws IllegalArgumentException when the parse was asked for other names only
         */
        public OptionalDouble sum(String seriesName) {
            double[] sum = sums.get(seriesName);
            if (!all && sum == null) {
                throw new IllegalArgumentException(seriesName + " was not among the names asked for: " + sums.keySet());
            }
            return sum == null || sum[1] == 0 ? OptionalDouble.empty() : OptionalDouble.of(sum[0]);
        }

        /** How many series of this name were seen (0 when none). */
        public int seriesOf(String seriesName) {
            double[] sum = sums.get(seriesName);
            return sum == null ? 0 : (int) sum[1];
        }

        /** The number of sample lines (series) in the whole text, wanted or not. */
        public int seriesCount() {
            return seriesCount;
        }

        /** The names whose sums this holds: every name seen, or the names asked for. */
        public Set<String> names() {
            return Collections.unmodifiableSet(sums.keySet());
        }
    }

    /** Parses the whole text and keeps a sum for every series name. */
    public static Samples parse(String text) throws MalformedException {
        Objects.requireNonNull(text, "text");
        Map<String, double[]> sums = new HashMap<>();
        int series = new Parser(text, null, sums).run();
        return new Samples(sums, true, series);
    }

    /**
     * Parses the whole text, as strictly as {@link #parse(String)}, but sums only the wanted names;
     * {@link Samples#sum} answers for those names only.
     */
    public static Samples parse(String text, Set<String> wanted) throws MalformedException {
        Objects.requireNonNull(text, "text");
        Map<String, double[]> sums = new LinkedHashMap<>();
        String[] names = wanted.toArray(new String[0]);
        for (String name : names) {
            sums.put(Objects.requireNonNull(name, "wanted name"), new double[2]);
        }
        int series = new Parser(text, names, sums).run();
        return new Samples(sums, false, series);
    }

    /** One pass over one text. */
    private static final class Parser {

        private final String text;
        private final String[] wanted;
        private final double[][] wantedSums;
        private final Map<String, double[]> sums;
        /** Start and end offsets of the label names of the current label set, for the duplicate check. */
        private int[] labelNames = new int[16];

        private int line;
        private int lineStart;
        private int lineEnd;

        Parser(String text, String[] wanted, Map<String, double[]> sums) {
            this.text = text;
            this.wanted = wanted;
            this.sums = sums;
            if (wanted != null) {
                wantedSums = new double[wanted.length][];
                for (int i = 0; i < wanted.length; i++) {
                    wantedSums[i] = sums.get(wanted[i]);
                }
            } else {
                wantedSums = null;
            }
        }

        int run() throws MalformedException {
            int n = text.length();
            int pos = 0;
            int series = 0;
            boolean eof = false;
            while (pos < n) {
                line++;
                int end = text.indexOf('\n', pos);
                if (end < 0) {
                    end = n;
                }
                lineStart = pos;
                lineEnd = end;
                if (eof) {
                    throw error(pos, "text after # EOF");
                }
                if (end > pos && text.charAt(end - 1) == '\r') {
                    throw error(end - 1, "carriage return at the end of the line (the format ends lines with \\n alone)");
                }
                int p = skipBlanks(pos);
                if (p < end) {
                    if (text.charAt(p) == '#') {
                        eof = comment(p + 1);
                    } else {
                        sample(p);
                        series++;
                    }
                }
                pos = end + 1;
            }
            return series;
        }

        /** A {@code #} line; true for {@code # EOF}. */
        private boolean comment(int p) throws MalformedException {
            p = skipBlanks(p);
            int wordEnd = p;
            while (wordEnd < lineEnd && !isBlank(text.charAt(wordEnd))) {
                wordEnd++;
            }
            int len = wordEnd - p;
            if (len == 4 && text.startsWith("HELP", p)) {
                int name = skipBlanks(wordEnd);
                int nameEnd = metricName(name, "# HELP");
                if (nameEnd < lineEnd && !isBlank(text.charAt(nameEnd))) {
                    throw error(nameEnd, "invalid character in the metric name of # HELP");
                }
                escapedText(nameEnd, "# HELP");
            } else if (len == 4 && text.startsWith("TYPE", p)) {
                int name = skipBlanks(wordEnd);
                int nameEnd = metricName(name, "# TYPE");
                int type = skipBlanks(nameEnd);
                if (type == nameEnd && nameEnd < lineEnd) {
                    throw error(nameEnd, "invalid character in the metric name of # TYPE");
                }
                int typeEnd = type;
                while (typeEnd < lineEnd && !isBlank(text.charAt(typeEnd))) {
                    typeEnd++;
                }
                if (type == typeEnd) {
                    throw error(type, "# TYPE without a type");
                }
                if (!isType(type, typeEnd)) {
                    throw error(type, "unknown metric type \"" + Excerpts.sanitize(text.substring(type, typeEnd))
                            + "\" (expected one of counter, gauge, histogram, summary, untyped, or OpenMetrics' "
                            + "unknown, gaugehistogram, stateset, info)");
                }
                requireEnd(typeEnd, "after the type");
            } else if (len == 4 && text.startsWith("UNIT", p)) {
                int name = skipBlanks(wordEnd);
                int nameEnd = metricName(name, "# UNIT");
                int unit = skipBlanks(nameEnd);
                if (unit == nameEnd && nameEnd < lineEnd) {
                    throw error(nameEnd, "invalid character in the metric name of # UNIT");
                }
                int unitEnd = unit;
                while (unitEnd < lineEnd && isNameChar(text.charAt(unitEnd))) {
                    unitEnd++;
                }
                requireEnd(unitEnd, "after the unit");
            } else if (len == 3 && text.startsWith("EOF", p)) {
                requireEnd(wordEnd, "after # EOF");
                return true;
            }
            return false; // any other comment
        }

        private boolean isType(int s, int e) {
            for (String type : TYPES) {
                if (type.length() == e - s && text.startsWith(type, s)) {
                    return true;
                }
            }
            return false;
        }

        /** A HELP text: any characters, escapes {@code \\}, {@code \n} (and OpenMetrics' {@code \"}) only. */
        private void escapedText(int p, String what) throws MalformedException {
            for (int i = p; i < lineEnd; i++) {
                if (text.charAt(i) == '\\') {
                    if (i + 1 >= lineEnd) {
                        throw error(i, "backslash at the end of the line in " + what);
                    }
                    char next = text.charAt(i + 1);
                    if (next != '\\' && next != 'n' && next != '"') {
                        throw error(i, "invalid escape \\" + printable(next) + " in " + what + " (only \\\\, \\n and \\\")");
                    }
                    i++;
                }
            }
        }

        private void sample(int p) throws MalformedException {
            int nameEnd = metricName(p, "a sample");
            int q = skipBlanks(nameEnd);
            if (q < lineEnd && text.charAt(q) == '{') {
                q = skipBlanks(labels(q, "labels"));
            } else if (q == nameEnd && q < lineEnd) {
                throw error(q, "invalid character " + quoted(text.charAt(q)) + " in the metric name");
            }
            double[] sum = sumFor(p, nameEnd);
            int valueEnd = token(q);
            if (q == valueEnd) {
                throw error(q, "sample without a value");
            }
            double value = number(q, valueEnd, sum != null, "value");
            if (sum != null) {
                sum[0] += value;
                sum[1]++;
            }
            int r = skipBlanks(valueEnd);
            if (r < lineEnd && text.charAt(r) != '#') {
                int tsEnd = token(r);
                timestamp(r, tsEnd);
                r = skipBlanks(tsEnd);
            }
            if (r < lineEnd) {
                if (text.charAt(r) != '#') {
                    throw error(r, "unexpected text after the timestamp");
                }
                exemplar(r + 1);
            }
        }

        /** OpenMetrics: {@code # {labels} value [timestamp]} after a sample. */
        private void exemplar(int p) throws MalformedException {
            int q = skipBlanks(p);
            if (q == p || q >= lineEnd || text.charAt(q) != '{') {
                throw error(p, "expected an exemplar \" # {labels} value\" after the sample");
            }
            q = skipBlanks(labels(q, "exemplar labels"));
            int valueEnd = token(q);
            if (q == valueEnd) {
                throw error(q, "exemplar without a value");
            }
            number(q, valueEnd, false, "exemplar value");
            int r = skipBlanks(valueEnd);
            if (r < lineEnd) {
                int tsEnd = token(r);
                timestamp(r, tsEnd);
                requireEnd(tsEnd, "after the exemplar");
            }
        }

        private void timestamp(int s, int e) throws MalformedException {
            char c = text.charAt(s);
            char last = text.charAt(e - 1);
            if (!isDigit(c) && c != '-' && c != '+' && c != '.' || !isDigit(last) && last != '.') {
                throw error(s, "invalid timestamp \"" + Excerpts.sanitize(text.substring(s, e)) + "\"");
            }
            number(s, e, false, "timestamp");
        }

        /** The label set at {@code p} (a '{'); returns the offset after its '}'. */
        private int labels(int p, String what) throws MalformedException {
            int q = p + 1;
            int count = 0;
            while (true) {
                q = skipBlanks(q);
                if (q >= lineEnd) {
                    throw error(q, "unterminated " + what + " (no closing '}')");
                }
                if (text.charAt(q) == '}') {
                    return q + 1;
                }
                int name = q;
                if (!isLabelStart(text.charAt(q))) {
                    throw error(q, "expected a label name, found " + quoted(text.charAt(q)));
                }
                q++;
                while (q < lineEnd && isLabelChar(text.charAt(q))) {
                    q++;
                }
                checkDuplicate(name, q, count);
                count++;
                q = skipBlanks(q);
                if (q >= lineEnd || text.charAt(q) != '=') {
                    throw error(q, "expected '=' after the label name " + text.substring(name, q).strip());
                }
                q = skipBlanks(q + 1);
                if (q >= lineEnd || text.charAt(q) != '"') {
                    throw error(q, "expected '\"' to open the value of label " + text.substring(name, q).split("[ \t=]")[0]);
                }
                q++;
                while (true) {
                    if (q >= lineEnd) {
                        throw error(q, "unterminated label value (no closing '\"')");
                    }
                    char c = text.charAt(q);
                    if (c == '"') {
                        break;
                    }
                    if (c == '\\') {
                        char next = q + 1 < lineEnd ? text.charAt(q + 1) : '\n';
                        if (next != '\\' && next != '"' && next != 'n') {
                            throw error(q, "invalid escape \\" + printable(next) + " in a label value (only \\\\, \\\" and \\n)");
                        }
                        q++;
                    }
                    q++;
                }
                q = skipBlanks(q + 1);
                if (q >= lineEnd) {
                    throw error(q, "unterminated " + what + " (no closing '}')");
                }
                char c = text.charAt(q);
                if (c == ',') {
                    q++;
                } else if (c != '}') {
                    throw error(q, "expected ',' or '}' after a label value, found " + quoted(c));
                }
            }
        }

        private void checkDuplicate(int start, int end, int count) throws MalformedException {
            int len = end - start;
            for (int i = 0; i < count && 2 * i + 1 < labelNames.length; i++) {
                int s = labelNames[2 * i];
                if (labelNames[2 * i + 1] - s == len && text.regionMatches(s, text, start, len)) {
                    throw error(start, "label " + text.substring(start, end) + " appears twice");
                }
            }
            if (2 * count + 1 >= labelNames.length) {
                labelNames = java.util.Arrays.copyOf(labelNames, labelNames.length * 2);
            }
            labelNames[2 * count] = start;
            labelNames[2 * count + 1] = end;
        }

        /** The running sum for the name in [s, e), or null when the name is not wanted. */
        private double[] sumFor(int s, int e) {
            int len = e - s;
            if (wanted == null) {
                return sums.computeIfAbsent(text.substring(s, e), k -> new double[2]);
            }
            for (int i = 0; i < wanted.length; i++) {
                String w = wanted[i];
                if (w.length() == len && text.startsWith(w, s)) {
                    return wantedSums[i];
                }
            }
            return null;
        }

        /** A metric name at p; returns its end. */
        private int metricName(int p, String what) throws MalformedException {
            if (p >= lineEnd) {
                throw error(p, what + " without a metric name");
            }
            char c = text.charAt(p);
            if (!isNameStart(c)) {
                throw error(p, "expected a metric name in " + what + ", found " + quoted(c));
            }
            int q = p + 1;
            while (q < lineEnd && isNameChar(text.charAt(q))) {
                q++;
            }
            return q;
        }

        /**
         * Checks the number in [s, e) and, when asked, computes it: [+-] digits [. digits] [e [+-] digits]
         * (a side of the point may be empty, not both), or [+-]Inf / NaN in any case.
         */
        private double number(int s, int e, boolean compute, String what) throws MalformedException {
            int i = s;
            boolean negative = false;
            char c = text.charAt(i);
            if (c == '+' || c == '-') {
                negative = c == '-';
                i++;
            }
            if (i < e && !isDigit(text.charAt(i)) && text.charAt(i) != '.') {
                if (e - i == 3 && text.regionMatches(true, i, "inf", 0, 3)
                        || e - i == 8 && text.regionMatches(true, i, "infinity", 0, 8)) {
                    return negative ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
                }
                if (i == s && e - i == 3 && text.regionMatches(true, i, "nan", 0, 3)) {
                    return Double.NaN;
                }
                throw badNumber(s, e, what);
            }
            long mantissa = 0;
            int significant = 0;
            int scale = 0;
            int digits = 0;
            for (; i < e && isDigit(c = text.charAt(i)); i++, digits++) {
                if (mantissa != 0 || c != '0') {
                    if (significant < 18) {
                        mantissa = mantissa * 10 + (c - '0');
                    } else {
                        scale++;
                    }
                    significant++;
                }
            }
            if (i < e && text.charAt(i) == '.') {
                for (i++; i < e && isDigit(c = text.charAt(i)); i++, digits++) {
                    if (mantissa != 0 || c != '0') {
                        if (significant < 18) {
                            mantissa = mantissa * 10 + (c - '0');
                            scale--;
                        }
                        significant++;
                    } else {
                        scale--;
                    }
                }
            }
            if (digits == 0) {
                throw badNumber(s, e, what);
            }
            int exponent = 0;
            if (i < e && (text.charAt(i) == 'e' || text.charAt(i) == 'E')) {
                i++;
                boolean expNegative = false;
                if (i < e && (text.charAt(i) == '+' || text.charAt(i) == '-')) {
                    expNegative = text.charAt(i) == '-';
                    i++;
                }
                int expDigits = 0;
                for (; i < e && isDigit(c = text.charAt(i)); i++, expDigits++) {
                    if (exponent < 100_000) {
                        exponent = exponent * 10 + (c - '0');
                    }
                }
                if (expDigits == 0) {
                    throw badNumber(s, e, what);
                }
                if (expNegative) {
                    exponent = -exponent;
                }
            }
            if (i != e) {
                throw badNumber(s, e, what);
            }
            if (!compute) {
                return 0;
            }
            int power = scale + exponent;
            double value;
            if (mantissa == 0) {
                value = 0;
            } else if (significant <= 15 && power >= -22 && power <= 22) {
                value = power >= 0 ? mantissa * POW10[power] : mantissa / POW10[-power];
            } else {
                value = Double.parseDouble(text.substring(s, e));
                return value;
            }
            return negative ? -value : value;
        }

        private MalformedException badNumber(int s, int e, String what) {
            return error(s, "invalid " + what + " \"" + Excerpts.sanitize(text.substring(s, e)) + "\"");
        }

        private void requireEnd(int p, String where) throws MalformedException {
            int q = skipBlanks(p);
            if (q < lineEnd) {
                throw error(q, "unexpected text " + after(q) + " " + where);
            }
        }

        private String after(int q) {
            return "\"" + Excerpts.sanitize(text.substring(q, Math.min(lineEnd, q + 20))) + "\"";
        }

        /** The end of the token at p: the next blank or the end of the line. */
        private int token(int p) {
            int q = p;
            while (q < lineEnd && !isBlank(text.charAt(q))) {
                q++;
            }
            return q;
        }

        private int skipBlanks(int p) {
            while (p < lineEnd && isBlank(text.charAt(p))) {
                p++;
            }
            return p;
        }

        private MalformedException error(int at, String what) {
            String whole = text.substring(lineStart, lineEnd);
            String shown = whole.length() > LINE_EXCERPT_CHARS ? whole.substring(0, LINE_EXCERPT_CHARS - 3) + "..." : whole;
            return new MalformedException(line, what + " (column " + (at - lineStart + 1) + "): "
                    + Excerpts.sanitize(shown));
        }

        private static String quoted(char c) {
            return "'" + printable(c) + "'";
        }

        private static String printable(char c) {
            return c < 0x20 || c == 0x7f ? String.format("\\u%04x", (int) c) : String.valueOf(c);
        }

        private static boolean isBlank(char c) {
            return c == ' ' || c == '\t';
        }

        private static boolean isDigit(char c) {
            return c >= '0' && c <= '9';
        }

        private static boolean isNameStart(char c) {
            return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == ':';
        }

        private static boolean isNameChar(char c) {
            return isNameStart(c) || isDigit(c);
        }

        private static boolean isLabelStart(char c) {
            return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_';
        }

        private static boolean isLabelChar(char c) {
            return isLabelStart(c) || isDigit(c);
        }
    }
}
