package dev.glyphsupervisor.probes;

public interface Probe {
    String name();

    ProbeResult check();
}
