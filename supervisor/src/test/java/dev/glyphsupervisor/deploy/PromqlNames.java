package dev.glyphsupervisor.deploy;

import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The metric names a PromQL expression selects, by a small lexer rather than a parser: string literals, label
 * matchers, range and subquery brackets, grouping lists ({@code by (...)}, {@code on (...)}, ...) and Grafana's
 * variables are taken out; every identifier left that is not a function call, a keyword or part of a number is a
 * metric name. Good for the expressions we write; not a general PromQL parser.
 */
public final class PromqlNames {

    private static final Pattern STRING = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'|`[^`]*`");
    private static final Pattern GRAFANA_VARIABLE = Pattern.compile("\\$\\{[^}]*}|\\$\\w+");
    private static final Pattern MATCHERS = Pattern.compile("\\{[^{}]*}");
    private static final Pattern BRACKETS = Pattern.compile("\\[[^\\[\\]]*]");
    private static final Pattern GROUPING = Pattern.compile(
            "\\b(?:by|without|on|ignoring|group_left|group_right)\\s*\\([^()]*\\)");
    private static final Pattern IDENTIFIER = Pattern.compile("(?<![\\w:.$])([a-zA-Z_:][\\w:]*)(\\s*\\()?");
    private static final Set<String> KEYWORDS = Set.of("and", "or", "unless", "bool", "offset", "by", "without", "on",
            "ignoring", "group_left", "group_right", "inf", "nan", "atan2", "start", "end");
    /** {@code label_values(METRIC_EXPR, label)}: Grafana's variable query; only its first argument is PromQL. */
    private static final Pattern LABEL_VALUES = Pattern.compile("^\\s*label_values\\((.*),\\s*\\w+\\s*\\)\\s*$", Pattern.DOTALL);

    private PromqlNames() {
    }

    /** The metric names in {@code expr}, a PromQL expression or a Grafana {@code label_values(...)} query. */
    public static Set<String> of(String expr) {
        Matcher labelValues = LABEL_VALUES.matcher(expr);
        String text = labelValues.matches() ? labelValues.group(1) : expr;
        text = STRING.matcher(text).replaceAll("\"\"");
        text = GRAFANA_VARIABLE.matcher(text).replaceAll("0");
        text = MATCHERS.matcher(text).replaceAll("{}");
        text = BRACKETS.matcher(text).replaceAll("[]");
        text = GROUPING.matcher(text).replaceAll(" ");
        Set<String> names = new TreeSet<>();
        Matcher m = IDENTIFIER.matcher(text);
        while (m.find()) {
            boolean call = m.group(2) != null;
            if (!call && !KEYWORDS.contains(m.group(1).toLowerCase())) {
                names.add(m.group(1));
            }
        }
        return names;
    }
}
