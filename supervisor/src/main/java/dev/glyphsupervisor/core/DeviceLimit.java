package dev.glyphsupervisor.core;

/**
 * A limit on a watched device's used memory: the bytes a device of {@code total} bytes may have in use. The
 * configuration says whether that is a size or a share of the total; core only applies it (the rule lives with the
 * configured value, so the daemon and {@code glyphctl probe} cannot read it differently).
 */
@FunctionalInterface
public interface DeviceLimit {

    /** The bytes a device of {@code total} bytes may have in use. */
    long bytesOf(long total);
}
