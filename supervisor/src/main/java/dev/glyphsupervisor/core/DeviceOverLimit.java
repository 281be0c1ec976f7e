package dev.glyphsupervisor.core;

import java.util.List;
import java.util.Map;

/**
 * Watched devices over {@code max_device_memory} where restarting the server would not bring them back under the
 * limit: other processes hold the memory (the server's own growth since its first reading is less than the overshoot).
 * Not a restart; the state machine records it once per episode.
 *
 * @param devices the indexes of the devices over their limit, the episode's identity
 * @param values  per device: used, total, limit, the server's share and growth, the other processes and the
 *                memory no process is listed for
 */
public record DeviceOverLimit(List<Integer> devices, Map<String, Object> values) {

    public DeviceOverLimit {
        devices = List.copyOf(devices);
        values = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(values));
    }
}
