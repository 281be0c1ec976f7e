package dev.glyphsupervisor.chaos;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The chaos soak, short: a few hundred probe cycles and a few dozen faults, every kind at least once,
 * through the same harness as the full run (-Pchaos; docs/reliability.md), on the test classpath (the
 * shaded jar is not packaged yet when tests run). It asserts every invariant the full run does except
 * the daemon's flatness after warm-up, which a two-minute run cannot reach: those figures are printed.
 * All four lanes run (forking, reference, the stack of three servers, and the inference lane: the reference runtime
 * with its engine faults under client traffic), unless -Dchaos.lanes names some.
 * Rerun a failure with -Dchaos.seed=N.
 */
class ChaosSoakTest {

    @TempDir
    Path dir;

    @Test
    void aShortSoakHealsEveryKindOfFaultWithinItsBoundAndKeepsTheInvariants() throws Exception {
        ChaosSettings settings = ChaosSettings.fromProperties(30, 300, 6, false, false);
        ChaosReport report = new ChaosSoak(settings).run(dir);
        report.print(System.out);

        Set<FaultKind> seen = report.faults().stream().map(FaultRecord::kind).collect(Collectors.toSet());
        assertEquals(EnumSet.allOf(FaultKind.class), seen, "every kind of fault was injected at least once");
        assertTrue(report.passed(), "seed " + settings.seed() + ": " + String.join("\n", report.violations()));
    }
}
