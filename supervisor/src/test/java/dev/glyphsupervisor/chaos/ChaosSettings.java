package dev.glyphsupervisor.chaos;

import java.time.Duration;

/**
 * What one soak run does.
 *
 * @param seed       the master seed; each lane draws its own stream from it
 * @param faults     run until at least this many faults were injected (all lanes together)...
 * @param cycles     ...and the daemons ran at least this many liveness probe cycles (startup polls not counted)
 * @param maxTime    ...or until this much time has passed (then the targets count as missed)
 * @param launcher   daemons and glyphctl through bin/glyphctl and the shaded jar (false: the test classpath,
 *                   for the JUnit run, which comes before the jar is packaged)
 * @param slackMs    scheduling delay allowed on top of each detection bound (a loaded 2-core machine)
 * @param headroom   bytes between the reference runtime's measured footprint and its max_rss
 * @param checkFlat  whether the daemon's RSS, threads and descriptors must be flat after warm-up: a short
 *                   run ends inside warm-up (JIT, and thread pools of the control socket and the metrics
 *                   server still filling up to their fixed sizes), so there they are only reported
 * @param lanes      which lanes run: {@code forking}, {@code reference}, {@code stack}, {@code inference} (all by default)
 */
record ChaosSettings(long seed, int faults, long cycles, Duration maxTime, boolean launcher, long slackMs,
                     long headroom, boolean checkFlat, java.util.List<String> lanes) {

    static final java.util.List<String> ALL_LANES = java.util.List.of("forking", "reference", "stack", "inference");

    /**
     * From -Dchaos.seed, -Dchaos.faults, -Dchaos.cycles, -Dchaos.minutes and -Dchaos.lanes (comma-separated;
     * blank: all) (the -Pchaos profile sets them).
     */
    static ChaosSettings fromProperties(int faults, long cycles, long minutes, boolean launcher, boolean checkFlat) {
        String seed = System.getProperty("chaos.seed", "");
        return new ChaosSettings(seed.isBlank() ? System.nanoTime() : Long.parseLong(seed.trim()),
                Integer.getInteger("chaos.faults", faults), Long.getLong("chaos.cycles", cycles),
                Duration.ofMinutes(Long.getLong("chaos.minutes", minutes)), launcher, 2000, 48L << 20, checkFlat,
                lanes(System.getProperty("chaos.lanes", "")));
    }

    private static java.util.List<String> lanes(String property) {
        java.util.List<String> lanes = java.util.Arrays.stream(property.split(",")).map(String::strip)
                .filter(l -> !l.isEmpty()).distinct().toList();
        for (String l : lanes) {
            if (!ALL_LANES.contains(l)) {
                throw new IllegalArgumentException("-Dchaos.lanes: no lane '" + l + "'; the lanes are " + ALL_LANES);
            }
        }
        return lanes.isEmpty() ? ALL_LANES : lanes;
    }
}
