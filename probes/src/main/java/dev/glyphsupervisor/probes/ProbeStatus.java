package dev.glyphsupervisor.probes;

public enum ProbeStatus { SUCCESS, FAILURE, UNKNOWN }
