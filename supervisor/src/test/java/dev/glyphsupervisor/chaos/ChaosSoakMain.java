package dev.glyphsupervisor.chaos;

/**
 * The full chaos soak, a command that prints its figures (not a test):
 *
 * <pre>./mvnw -B -q -Pchaos -pl supervisor -am verify -DskipTests [-Dchaos.seed=N] [-Dchaos.faults=520]
 *     [-Dchaos.cycles=4320] [-Dchaos.minutes=40] [-Dchaos.lanes=forking,reference,stack,inference]</pre>
 *
 * <p>Daemons and glyphctl run through bin/glyphctl and the shaded jar, as a user runs them. Exits 1 when
 * an invariant was violated or a target was not met.
 */
public final class ChaosSoakMain {

    private ChaosSoakMain() {
    }

    public static void main(String[] args) throws Exception {
        ChaosSettings settings = ChaosSettings.fromProperties(520, 4320, 40, true, true);
        ChaosReport report = new ChaosSoak(settings).run(ChaosSoak.newBase());
        report.print(System.out);
        java.nio.file.Path csv = java.nio.file.Path.of(System.getProperty("basedir", "."), "target", "chaos",
                "faults-" + settings.seed() + ".csv");
        report.writeCsv(csv);
        System.out.println("every fault: " + csv);
        System.exit(report.passed() ? 0 : 1);
    }
}
