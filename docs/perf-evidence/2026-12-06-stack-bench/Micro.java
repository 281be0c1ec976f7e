import dev.glyphsupervisor.runtime.ProcessTable;
import dev.glyphsupervisor.probes.host.HostMemoryProbe;
import java.util.Set;
public class Micro {
    public static void main(String[] a) throws Exception {
        long pid = ProcessHandle.current().pid();
        HostMemoryProbe host = new HostMemoryProbe();
        int n = Integer.parseInt(a[0]);
        for (int round = 0; round < 3; round++) {
            long t0 = System.nanoTime(); long c0 = cpu();
            int size = 0;
            for (int i = 0; i < n; i++) size += ProcessTable.snapshot().size();
            long t1 = System.nanoTime(); long c1 = cpu();
            for (int i = 0; i < n; i++) host.read(Set.of(pid));
            long t2 = System.nanoTime(); long c2 = cpu();
            System.out.printf("round %d: ProcessTable.snapshot (%d procs) %.2f ms wall %.2f ms cpu; OSHI host read (1 pid) %.2f ms wall %.2f ms cpu%n",
                round, size / n, (t1 - t0) / 1e6 / n, (c1 - c0) / 1e6 / n, (t2 - t1) / 1e6 / n, (c2 - c1) / 1e6 / n);
        }
    }
    static long cpu() { return java.lang.management.ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime(); }
}
