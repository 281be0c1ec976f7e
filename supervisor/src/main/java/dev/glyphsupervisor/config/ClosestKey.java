package dev.glyphsupervisor.config;

import java.util.Collection;
import java.util.Locale;
import java.util.Optional;

/** Suggests the allowed key a mistyped one was meant to be ("comand" → "command", "startupTimeout" → "startup_timeout"). */
final class ClosestKey {

    private ClosestKey() {
    }

    static Optional<String> to(String typed, Collection<String> allowed) {
        String wanted = canonical(typed);
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String candidate : allowed) {
            int distance = editDistance(wanted, canonical(candidate));
            if (distance < bestDistance) {
                best = candidate;
                bestDistance = distance;
            }
        }
        // Beyond a third of the word, a "suggestion" is a guess that misleads more than it helps.
        boolean closeEnough = bestDistance <= Math.max(1, wanted.length() / 3);
        return closeEnough ? Optional.ofNullable(best) : Optional.empty();
    }

    /** Case, dashes and underscores are spelling, not meaning: camelCase and kebab-case find snake_case. */
    private static String canonical(String key) {
        return key.replace("_", "").replace("-", "").toLowerCase(Locale.ROOT);
    }

    private static int editDistance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }
}
