package dev.glyphsupervisor.daemon;

import dev.glyphsupervisor.core.State;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which servers of a stack may run: those whose every requirement, direct or through another server, is up (healthy,
 * or failing probes still below the threshold) and not held down by a planned stop of it. A server whose requirement
 * goes down is told so at once with every requirement that is down, and told again, with an empty list, when all are
 * back: each answer lists only the servers whose verdict changed, so every verdict is said once.
 * <p>
 * Up is judged on the requirement's state alone (RUNNING or DEGRADED): a required server that restarts leaves RUNNING
 * while it stops, so its dependents are stopped as soon as it is, and started again only after its first healthy
 * answer. A held server counts as down whatever its state: the operator's planned restart or stop of it stops its
 * dependents first.
 */
final class RequirementsGate {

    private final Map<String, List<String>> requires;
    private final Map<String, State> states = new LinkedHashMap<>();
    private final Set<String> held = new HashSet<>();
    /** The verdict each server with requirements was last told: the requirements down, empty when all are up. */
    private final Map<String, List<String>> told = new LinkedHashMap<>();

    /** {@code requires}: every server, with the servers it requires directly (no cycles). */
    RequirementsGate(Map<String, List<String>> requires) {
        this.requires = new LinkedHashMap<>();
        startOrder(requires).forEach(name -> this.requires.put(name, List.copyOf(requires.get(name))));
        this.requires.keySet().forEach(name -> states.put(name, State.STOPPED));
    }

    /**
     * The servers in an order where each comes after everything it requires, and otherwise as written: the order to
     * start them in (and the reverse, to stop them). {@code requires} has no cycle (the config refuses one).
     */
    static List<String> startOrder(Map<String, List<String>> requires) {
        Set<String> ordered = new LinkedHashSet<>();
        requires.keySet().forEach(name -> visit(name, requires, ordered));
        return List.copyOf(ordered);
    }

    private static void visit(String name, Map<String, List<String>> requires, Set<String> ordered) {
        if (!ordered.contains(name)) {
            requires.getOrDefault(name, List.of()).forEach(required -> visit(required, requires, ordered));
            ordered.add(name);
        }
    }

    /** The server's state as it starts (an adopted server is up at once); then {@link #verdicts()}. */
    synchronized void assume(String name, State state) {
        states.put(known(name), state);
    }

    /** Every server with requirements and what it waits for now (empty: nothing), whether said before or not. */
    synchronized Map<String, List<String>> verdicts() {
        Map<String, List<String>> all = new LinkedHashMap<>();
        for (String name : requires.keySet()) {
            if (!requires.get(name).isEmpty()) {
                List<String> down = down(name);
                told.put(name, down);
                all.put(name, down);
            }
        }
        return all;
    }

    /** {@code name} entered {@code state}: the servers whose verdict changed. */
    synchronized Map<String, List<String>> changed(String name, State state) {
        if (states.put(known(name), state) == state) {
            return Map.of();
        }
        return changes();
    }

    /** Holds {@code names} down for their dependents (a planned stop of them): the servers whose verdict changed. */
    synchronized Map<String, List<String>> hold(Collection<String> names) {
        names.forEach(name -> held.add(known(name)));
        return changes();
    }

    /** Ends {@link #hold}: the servers whose verdict changed. */
    synchronized Map<String, List<String>> release(Collection<String> names) {
        names.forEach(held::remove);
        return changes();
    }

    /** Whether {@code name} counts as up for the servers that require it. */
    synchronized boolean up(String name) {
        State s = states.get(name);
        return !held.contains(name) && (s == State.RUNNING || s == State.DEGRADED);
    }

    /** What {@code name} requires, directly or through another server, in start order. */
    synchronized List<String> requirementsOf(String name) {
        Set<String> all = new LinkedHashSet<>();
        collectRequirements(known(name), all);
        return order(all);
    }

    /** The servers that require {@code name}, directly or through another server, in start order. */
    synchronized List<String> dependentsOf(String name) {
        known(name);
        Set<String> all = new LinkedHashSet<>();
        for (String other : requires.keySet()) {
            if (requirementsOf(other).contains(name)) {
                all.add(other);
            }
        }
        return order(all);
    }

    /** Why {@code name} waits, for the audit and status: "vllm is BACKOFF", "vllm is being restarted". */
    synchronized String why(List<String> down) {
        List<String> parts = new ArrayList<>();
        for (String name : down) {
            parts.add(name + (held.contains(name) ? " is being stopped on purpose" : " is " + states.get(name)));
        }
        return String.join(", ", parts);
    }

    private Map<String, List<String>> changes() {
        Map<String, List<String>> changed = new LinkedHashMap<>();
        for (String name : requires.keySet()) {
            if (requires.get(name).isEmpty()) {
                continue;
            }
            List<String> down = down(name);
            if (!down.equals(told.get(name))) {
                told.put(name, down);
                changed.put(name, down);
            }
        }
        return changed;
    }

    private List<String> down(String name) {
        List<String> down = new ArrayList<>();
        for (String required : requirementsOf(name)) {
            if (!up(required)) {
                down.add(required);
            }
        }
        return down;
    }

    private void collectRequirements(String name, Set<String> into) {
        for (String required : requires.get(name)) {
            if (into.add(required)) {
                collectRequirements(required, into);
            }
        }
    }

    private List<String> order(Set<String> names) {
        return requires.keySet().stream().filter(names::contains).toList();
    }

    private String known(String name) {
        if (!requires.containsKey(name)) {
            throw new IllegalArgumentException("no server named '" + name + "'");
        }
        return name;
    }
}
