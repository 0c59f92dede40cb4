package mpo4j.model;

import java.util.IdentityHashMap;
import java.util.Map;

/**
 * The adapters active on the current thread: while a scope is open, every {@link AdaptableLinear} it
 * holds an adapter for adds that adapter's output; every other layer, and every layer outside a scope,
 * computes its plain {@code x W^T + b}.
 *
 * <p>Why a thread-local scope rather than a switch on each layer: one set of base weights can then serve
 * several views at once without copies or mutation, which is what preference training with adapters
 * needs (the policy runs with its adapters, the reference runs the very same weights without them, as
 * TRL does with a PEFT model), and views on different threads cannot switch each other's adapters.
 * Forward passes are eager, so the scope only has to be open while the forward runs; backward needs
 * nothing from it. The flip side: a model must run its linear layers on the thread that called its
 * forward (every model here does); layers run on a worker thread would not see the scope.
 *
 * <p>Scopes nest: opening one replaces the active set until it is closed, closing restores the previous
 * set. Close scopes in the reverse order of opening (try-with-resources does).
 */
public final class AdapterScope implements AutoCloseable {
    private static final ThreadLocal<Map<AdaptableLinear, LinearAdapter>> ACTIVE = new ThreadLocal<>();

    private final Map<AdaptableLinear, LinearAdapter> previous;
    private boolean closed;

    private AdapterScope(Map<AdaptableLinear, LinearAdapter> previous) {
        this.previous = previous;
    }

    /**
     * Activates {@code adapters} (by layer) on this thread until the returned scope is closed. An empty
     * map switches every adapter off (the base model as it was before any adapter).
     */
    public static AdapterScope open(Map<? extends AdaptableLinear, ? extends LinearAdapter> adapters) {
        Map<AdaptableLinear, LinearAdapter> active = new IdentityHashMap<>(adapters);
        AdapterScope scope = new AdapterScope(ACTIVE.get());
        ACTIVE.set(active.isEmpty() ? null : active);
        return scope;
    }

    /** The adapter active on this thread for {@code layer}, or null. */
    static LinearAdapter current(AdaptableLinear layer) {
        Map<AdaptableLinear, LinearAdapter> active = ACTIVE.get();
        return active == null ? null : active.get(layer);
    }

    /** Restores the adapters that were active when this scope was opened. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            if (previous == null) {
                ACTIVE.remove();
            } else {
                ACTIVE.set(previous);
            }
        }
    }
}
