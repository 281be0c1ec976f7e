package dev.glyphsupervisor.core;

import java.util.Map;

/** A memory limit passed (or projected to be passed soon): the restart reason and the values behind it. */
public record MemoryBreach(String reason, Map<String, Object> values) {

    public MemoryBreach {
        values = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(values));
    }
}
