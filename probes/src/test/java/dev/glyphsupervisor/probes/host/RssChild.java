package dev.glyphsupervisor.probes.host;

import java.io.IOException;

/**
 * A child process for {@link HostMemoryProbeTest}: allocates 100 MiB and writes to every page, so the
 * memory is resident and not just reserved, says "ready", and waits until its stdin closes.
 */
public final class RssChild {

    static final int BYTES = 100 * 1024 * 1024;

    private RssChild() {
    }

    public static void main(String[] args) throws IOException {
        byte[] hold = new byte[BYTES];
        for (int i = 0; i < hold.length; i += 4096) {
            hold[i] = 1;
        }
        System.out.println("ready");
        System.out.flush();
        while (System.in.read() >= 0) {
            // wait for EOF: the test closes our stdin when it is done
        }
        System.out.println(hold[4096]); // keeps the array reachable until the end
    }
}
