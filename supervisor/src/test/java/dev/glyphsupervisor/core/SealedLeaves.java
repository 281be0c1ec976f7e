package dev.glyphsupervisor.core;

import java.util.LinkedHashSet;
import java.util.Set;

/** The concrete types under a sealed type, through nested sealed ones: what a dispatch table must cover. */
public final class SealedLeaves {

    private SealedLeaves() {
    }

    public static Set<Class<?>> of(Class<?> sealed) {
        Set<Class<?>> leaves = new LinkedHashSet<>();
        for (Class<?> c : sealed.getPermittedSubclasses()) {
            if (c.isSealed()) {
                leaves.addAll(of(c));
            } else {
                leaves.add(c);
            }
        }
        return leaves;
    }
}
