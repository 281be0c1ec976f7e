package dev.glyphsupervisor.core;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * A handler per concrete type of a sealed hierarchy ({@link Event}, {@link Action}). Java 17 checks no switch over a
 * sealed type for exhaustiveness; a table can be: {@link #types()} is what the dispatch tests compare with the
 * permitted subclasses, and a value of a type without a handler throws instead of being ignored.
 *
 * @param <T> the sealed type
 * @param <C> what every handler is given besides the value
 */
public final class Dispatch<T, C> {

    private final String what;
    private final Map<Class<? extends T>, BiConsumer<T, C>> handlers = new LinkedHashMap<>();

    /** {@code what}: the name of {@code T} in the error for a type without a handler. */
    public Dispatch(String what) {
        this.what = what;
    }

    /** Handles the values of exactly {@code type} (not of its subtypes) with {@code handler}. */
    public <S extends T> Dispatch<T, C> on(Class<S> type, BiConsumer<? super S, C> handler) {
        if (handlers.putIfAbsent(type, (value, context) -> handler.accept(type.cast(value), context)) != null) {
            throw new IllegalArgumentException("two handlers for " + type.getName());
        }
        return this;
    }

    /** Hands {@code value} to the handler of its class. */
    public void accept(T value, C context) {
        BiConsumer<T, C> handler = handlers.get(value.getClass());
        if (handler == null) {
            throw new IllegalStateException("no handler for the " + what + " " + value.getClass().getName());
        }
        handler.accept(value, context);
    }

    /** The types handled. */
    public Set<Class<? extends T>> types() {
        return Collections.unmodifiableSet(handlers.keySet());
    }
}
